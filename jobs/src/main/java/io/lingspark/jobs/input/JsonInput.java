package io.lingspark.jobs.input;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * JSON lines, read so that no row changes how another is read. Spark infers one type per field over
 * the whole file, so one row's {@code "max_tokens": "ten"} makes every row's max_tokens a string, one
 * {@code "id": 2.5} turns id 1 into "1.0", and objects become structs whose keys come back sorted
 * (the chat template then renders tools differently from {@code apply_chat_template}). Spark's JSON
 * reader keeps the exact text of any value read into a string field, so the request fields (params,
 * messages, tools; an OpenAI batch line's body) and the id are declared strings and every row's own
 * text is parsed on its own, by {@link RequestParser} or {@link OpenAiBatchInput}. The other columns
 * keep their inferred types (kept columns are copied with them).
 */
final class JsonInput {
    static final String CORRUPT = "_corrupt_record";

    private JsonInput() {
    }

    static Dataset<Row> read(SparkSession spark, InputSpec spec) {
        DataFrameReader reader = spark.read().option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT);
        Dataset<Row> inferred = reader.json(spec.input());
        StructType exact = exactSchema(inferred.schema(), spec);
        return exact.equals(inferred.schema()) ? inferred : reader.schema(exact).json(spec.input());
    }

    /** The inferred schema with the request fields as strings, and the id too where it is a string or number. */
    static StructType exactSchema(StructType schema, InputSpec spec) {
        Set<String> raw = new HashSet<>();
        String id;
        if (spec.format() == InputFormat.OPENAI_BATCH) {
            raw.add("body");
            id = "custom_id";
        } else {
            raw.add(name(spec.paramsColumn(), "params"));
            raw.add(name(spec.messagesColumn(), "messages"));
            raw.add(name(spec.toolsColumn(), "tools"));
            id = name(spec.idColumn(), "id");
        }
        if (schema.fieldNames().length == 1 && schema.fieldNames()[0].equals(CORRUPT)) {
            // Nothing but malformed lines: Spark refuses a query of only the corrupt-record column, so
            // read the columns the rows would have had (all null) next to it.
            Set<String> named = new LinkedHashSet<>(spec.format() == InputFormat.OPENAI_BATCH
                ? List.of("custom_id", "body") : List.of(name(spec.promptColumn(), "prompt")));
            for (String c : Arrays.asList(spec.messagesColumn(), spec.toolsColumn(), spec.paramsColumn(), spec.idColumn())) {
                if (c != null && !c.isBlank() && spec.format() != InputFormat.OPENAI_BATCH) {
                    named.add(c);
                }
            }
            named.addAll(spec.keepColumns());
            for (String c : named) {
                schema = schema.add(c, DataTypes.StringType);
            }
        }
        StructField[] fields = schema.fields().clone();
        for (int i = 0; i < fields.length; i++) {
            StructField f = fields[i];
            // An id that is an object in every row stays one: the reader refuses it on the driver.
            boolean text = raw.contains(f.name()) || (f.name().equals(id) && f.dataType() instanceof AtomicType);
            if (text && !f.dataType().equals(DataTypes.StringType)) {
                fields[i] = new StructField(f.name(), DataTypes.StringType, true, f.metadata());
            }
        }
        return new StructType(fields);
    }

    private static String name(String asked, String conventional) {
        return asked != null && !asked.isBlank() ? asked : conventional;
    }
}
