package io.lingspark.udfs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Converts what a SQL function receives into the JSON-shaped Java values the chat template takes:
 * a JSON string is parsed; Spark arrays (Scala Seq), structs (Row) and maps become Lists and Maps.
 * So ling_chat_prompt accepts messages as a JSON string column or as array<struct<role, content, ...>>.
 */
final class SparkJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SparkJson() {
    }

    static Object toJava(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            try {
                return JSON.readValue(s, Object.class);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
            }
        }
        return convert(v);
    }

    private static Object convert(Object v) {
        if (v instanceof Row r) {
            StructType schema = r.schema();
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < r.length(); i++) {
                if (!r.isNullAt(i)) { // Spark fills absent struct fields with null; JSON omits them
                    m.put(schema == null ? "_" + i : schema.fields()[i].name(), convert(r.get(i)));
                }
            }
            return m;
        }
        if (v instanceof scala.collection.Map<?, ?> sm) {
            Map<String, Object> m = new LinkedHashMap<>();
            CollectionConverters.asJava(sm).forEach((k, x) -> m.put(String.valueOf(k), convert(x)));
            return m;
        }
        if (v instanceof scala.collection.Iterable<?> seq) {
            List<Object> l = new ArrayList<>();
            for (Object x : CollectionConverters.asJava(seq)) {
                l.add(convert(x));
            }
            return l;
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objectList(Object v, String what) {
        Object j = toJava(v);
        if (j == null) {
            return null;
        }
        if (!(j instanceof List<?> l) || !l.stream().allMatch(x -> x instanceof Map)) {
            throw new IllegalArgumentException(what + " must be a list of objects");
        }
        return (List<Map<String, Object>>) j;
    }
}
