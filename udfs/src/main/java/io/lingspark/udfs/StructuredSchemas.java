package io.lingspark.udfs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.CharType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.VarcharType;

/**
 * Bridges Spark types and the JSON Schemas of structured output, both ways.
 *
 * <p><b>DDL to JSON Schema</b> ({@link #jsonSchemaFromDdl}), OpenAI "strict" style: every object lists its
 * properties in field order, requires all of them and sets {@code additionalProperties: false}, so the
 * constrained model must write every field and nothing else. STRING, CHAR, VARCHAR → string
 * (VARCHAR(n)/CHAR(n) with maxLength n); BOOLEAN → boolean; TINYINT, SMALLINT, INT, BIGINT → integer with the
 * type's minimum/maximum; FLOAT, DOUBLE, DECIMAL → number; ARRAY&lt;T&gt; → array of T; STRUCT → nested object;
 * DATE → string format date; TIMESTAMP, TIMESTAMP_NTZ → string format date-time. Anything else (MAP, BINARY,
 * INTERVAL, VARIANT, ...) is refused naming the field, because a model cannot be asked for it as JSON.
 *
 * <p><b>JSON Schema to Spark type</b> ({@link #sparkTypeOf}), the type of a typed column holding documents valid
 * against the schema. An object with properties → STRUCT (properties in order, all nullable: optional
 * properties may be absent); string → STRING, also with format date/date-time (kept as the model wrote it: a
 * typed DATE would turn an out-of-range or offset-less value into a silent NULL); integer → BIGINT;
 * number → DOUBLE; boolean → BOOLEAN; array → ARRAY of its items' type (no items: ARRAY&lt;STRING&gt; of
 * JSON texts); enum/const of one JSON kind → that kind's type; a nullable union ({@code type: [X, "null"]},
 * anyOf/oneOf of X and {@code {type: null}}) → X's type; allOf of one schema → that schema; {@code $ref} into
 * the document ({@code #/$defs/...}, {@code #/definitions/...}) is followed, except a recursive one.
 * Whatever has no single Spark type (a recursive ref, a union of different types, an object without
 * properties, {@code true}/{@code {}}) → STRING holding the value's compact JSON text.
 *
 * <p><b>Values</b> ({@link #toSparkValue}) convert a parsed document into the external Java values Spark's
 * UDFs return (Row, List, Long, ...), for the types above and the DDL types. Like from_json's PERMISSIVE
 * mode, a value that does not fit its type (a string where a number belongs, an integer past BIGINT)
 * becomes NULL, never an exception: the columns hold only data of their type.
 */
public final class StructuredSchemas {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StructuredSchemas() {
    }

    // ---------------------------------------------------------------- DDL -> JSON Schema

    /** The strict JSON Schema of a DDL field list ("label STRING, score DOUBLE"); IllegalArgumentException if bad. */
    public static String jsonSchemaFromDdl(String ddl) {
        return objectSchema(ddlStruct(ddl), "").toString();
    }

    /** Spark's parse of a DDL field list, with Spark's message as an IllegalArgumentException. */
    public static StructType ddlStruct(String ddl) {
        if (ddl == null || ddl.isBlank()) {
            throw new IllegalArgumentException("a DDL field list is required, e.g. 'label STRING, score DOUBLE'");
        }
        try {
            // fromDDL reads CHAR(n)/VARCHAR(n) as STRING and keeps the declared type in the field metadata:
            // the raw schema brings it back, so the JSON Schema gets maxLength n.
            return org.apache.spark.sql.catalyst.util.CharVarcharUtils.getRawSchema(StructType.fromDDL(ddl));
        } catch (Exception e) { // ParseException: an AnalysisException, checked in Java's eyes but undeclared
            throw new IllegalArgumentException("invalid DDL '" + ddl + "': " + e.getMessage(), e);
        }
    }

    private static ObjectNode objectSchema(StructType struct, String path) {
        ObjectNode o = JSON.createObjectNode().put("type", "object");
        ObjectNode props = o.putObject("properties");
        ArrayNode required = JSON.createArrayNode();
        for (StructField f : struct.fields()) {
            props.set(f.name(), schemaOf(f.dataType(), path + f.name()));
            required.add(f.name());
        }
        o.set("required", required);
        o.put("additionalProperties", false);
        return o;
    }

    private static ObjectNode schemaOf(DataType t, String field) {
        ObjectNode s = JSON.createObjectNode();
        if (t instanceof VarcharType v) { // before StringType: Spark 4's CHAR/VARCHAR types are StringTypes
            return s.put("type", "string").put("maxLength", v.length());
        } else if (t instanceof CharType c) {
            return s.put("type", "string").put("maxLength", c.length());
        } else if (t instanceof StringType) {
            return s.put("type", "string");
        } else if (t instanceof BooleanType) {
            return s.put("type", "boolean");
        } else if (t instanceof ByteType) {
            return s.put("type", "integer").put("minimum", Byte.MIN_VALUE).put("maximum", Byte.MAX_VALUE);
        } else if (t instanceof ShortType) {
            return s.put("type", "integer").put("minimum", Short.MIN_VALUE).put("maximum", Short.MAX_VALUE);
        } else if (t instanceof IntegerType) {
            return s.put("type", "integer").put("minimum", Integer.MIN_VALUE).put("maximum", Integer.MAX_VALUE);
        } else if (t instanceof LongType) {
            return s.put("type", "integer").put("minimum", Long.MIN_VALUE).put("maximum", Long.MAX_VALUE);
        } else if (t instanceof FloatType || t instanceof DoubleType || t instanceof DecimalType) {
            return s.put("type", "number");
        } else if (t instanceof DateType) {
            return s.put("type", "string").put("format", "date");
        } else if (t instanceof TimestampType || t instanceof TimestampNTZType) {
            return s.put("type", "string").put("format", "date-time");
        } else if (t instanceof ArrayType a) {
            s.put("type", "array");
            s.set("items", schemaOf(a.elementType(), field + "[]"));
            return s;
        } else if (t instanceof StructType st) {
            return objectSchema(st, field + ".");
        }
        throw new IllegalArgumentException("field '" + field + "' has type " + t.sql()
            + ", which structured output cannot produce (supported: STRING, BOOLEAN, integer types, FLOAT, DOUBLE, "
            + "DECIMAL, DATE, TIMESTAMP, ARRAY and STRUCT of those)");
    }

    // ---------------------------------------------------------------- JSON Schema -> Spark type

    /** The Spark type of documents valid against the schema (see the class comment for the mapping). */
    public static DataType sparkTypeOf(String jsonSchemaText) {
        JsonNode root;
        try {
            root = JSON.readTree(jsonSchemaText);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the JSON schema is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null) {
            throw new IllegalArgumentException("the JSON schema is empty");
        }
        return typeOf(root, root, new ArrayDeque<>());
    }

    /** refs: the $refs being expanded on the way here, to stop at recursion. */
    private static DataType typeOf(JsonNode s, JsonNode root, Deque<String> refs) {
        if (!s.isObject()) {
            return DataTypes.StringType; // true, false or junk: anything, as JSON text
        }
        if (s.has("$ref")) {
            String ref = s.get("$ref").asText();
            if (refs.contains(ref)) {
                return DataTypes.StringType; // recursive: no finite Spark type
            }
            JsonNode target = ref.startsWith("#") ? root.at(ref.substring(1)) : null;
            if (target == null || target.isMissingNode()) {
                return DataTypes.StringType; // remote or broken ref: keep the text
            }
            refs.push(ref);
            DataType t = typeOf(target, root, refs);
            refs.pop();
            return t;
        }
        for (String union : List.of("anyOf", "oneOf")) {
            if (s.path(union).isArray()) {
                return unionOf(s.get(union), root, refs);
            }
        }
        if (s.path("allOf").isArray() && s.get("allOf").size() == 1) {
            return typeOf(s.get("allOf").get(0), root, refs);
        }
        JsonNode type = s.get("type");
        if (type != null && type.isArray()) {
            List<String> kinds = new ArrayList<>();
            type.forEach(k -> {
                if (!"null".equals(k.asText())) {
                    kinds.add(k.asText());
                }
            });
            if (kinds.size() == 1) {
                return kindType(kinds.get(0), s, root, refs);
            }
            return kinds.size() == 2 && kinds.contains("integer") && kinds.contains("number")
                ? DataTypes.DoubleType : DataTypes.StringType;
        }
        if (type != null) {
            return kindType(type.asText(), s, root, refs);
        }
        if (s.has("const")) {
            return valueKind(List.of(s.get("const")));
        }
        if (s.path("enum").isArray()) {
            List<JsonNode> vs = new ArrayList<>();
            s.get("enum").forEach(vs::add);
            return valueKind(vs);
        }
        if (s.has("properties")) {
            return kindType("object", s, root, refs); // "type" left out, as schemas often do
        }
        return DataTypes.StringType;
    }

    private static DataType kindType(String kind, JsonNode s, JsonNode root, Deque<String> refs) {
        switch (kind) {
            case "string":
                return DataTypes.StringType;
            case "integer":
                return DataTypes.LongType;
            case "number":
                return DataTypes.DoubleType;
            case "boolean":
                return DataTypes.BooleanType;
            case "array": {
                JsonNode items = s.get("items");
                DataType item = items == null || !items.isObject() ? DataTypes.StringType : typeOf(items, root, refs);
                return DataTypes.createArrayType(item, true);
            }
            case "object": {
                JsonNode props = s.get("properties");
                if (props == null || !props.isObject() || props.isEmpty()) {
                    return DataTypes.StringType; // free-form object: keep the JSON text
                }
                List<StructField> fields = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> p = it.next();
                    fields.add(DataTypes.createStructField(p.getKey(), typeOf(p.getValue(), root, refs), true));
                }
                return DataTypes.createStructType(fields);
            }
            default:
                return DataTypes.StringType; // "null" alone, or unknown
        }
    }

    private static DataType unionOf(JsonNode alternatives, JsonNode root, Deque<String> refs) {
        DataType one = null;
        for (JsonNode a : alternatives) {
            if (a.isObject() && "null".equals(a.path("type").asText(null))) {
                continue; // the nullable half of a nullable union
            }
            DataType t = typeOf(a, root, refs);
            if (one != null && !one.equals(t)) {
                return DataTypes.StringType; // different shapes: no single type
            }
            one = t;
        }
        return one == null ? DataTypes.StringType : one;
    }

    /** The type of enum/const values: one JSON kind's type, or STRING (JSON text) when they mix kinds. */
    private static DataType valueKind(List<JsonNode> values) {
        if (!values.isEmpty() && values.stream().allMatch(JsonNode::isBoolean)) {
            return DataTypes.BooleanType;
        }
        if (!values.isEmpty() && values.stream().allMatch(JsonNode::isIntegralNumber)) {
            return DataTypes.LongType;
        }
        if (!values.isEmpty() && values.stream().allMatch(JsonNode::isNumber)) {
            return DataTypes.DoubleType;
        }
        return DataTypes.StringType;
    }

    // ---------------------------------------------------------------- values

    /** Parses JSON text and converts it ({@link #toSparkValue(JsonNode, DataType)}); null text gives null. */
    public static Object toSparkValue(String jsonText, DataType type) {
        if (jsonText == null) {
            return null;
        }
        try {
            return toSparkValue(JSON.readTree(jsonText), type);
        } catch (JsonProcessingException e) {
            return null; // not JSON: NULL, as from_json does
        }
    }

    /**
     * A parsed JSON value as the external value Spark expects for the type: Row for STRUCT (fields by name;
     * absent ones NULL), List for ARRAY, Long/Integer/Short/Byte, Double/Float, BigDecimal, Boolean, String,
     * LocalDate for DATE, Instant for TIMESTAMP, LocalDateTime for TIMESTAMP_NTZ. STRING takes any JSON value:
     * a string as itself, anything else as its compact JSON text. NULL where the value does not fit.
     */
    public static Object toSparkValue(JsonNode v, DataType type) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        if (type instanceof StringType || type instanceof VarcharType || type instanceof CharType) {
            return v.isTextual() ? v.asText() : v.toString();
        }
        if (type instanceof StructType st) {
            if (!v.isObject()) {
                return null;
            }
            Object[] values = new Object[st.fields().length];
            for (int i = 0; i < values.length; i++) {
                values[i] = toSparkValue(v.get(st.fields()[i].name()), st.fields()[i].dataType());
            }
            return RowFactory.create(values);
        }
        if (type instanceof ArrayType at) {
            if (!v.isArray()) {
                return null;
            }
            List<Object> out = new ArrayList<>(v.size());
            v.forEach(x -> out.add(toSparkValue(x, at.elementType())));
            return out;
        }
        if (type instanceof BooleanType) {
            return v.isBoolean() ? v.booleanValue() : null;
        }
        if (type instanceof LongType) {
            BigInteger i = integral(v);
            return i == null || i.bitLength() > 63 ? null : i.longValue();
        }
        if (type instanceof IntegerType || type instanceof ShortType || type instanceof ByteType) {
            BigInteger i = integral(v);
            int bits = type instanceof IntegerType ? 31 : type instanceof ShortType ? 15 : 7;
            if (i == null || i.bitLength() > bits) {
                return null;
            }
            return type instanceof IntegerType ? (Object) i.intValue()
                : type instanceof ShortType ? (Object) i.shortValue() : (Object) i.byteValue();
        }
        if (type instanceof DoubleType) {
            return v.isNumber() ? v.doubleValue() : null;
        }
        if (type instanceof FloatType) {
            return v.isNumber() ? v.floatValue() : null;
        }
        if (type instanceof DecimalType dt) {
            if (!v.isNumber()) {
                return null;
            }
            BigDecimal d = v.decimalValue().setScale(dt.scale(), RoundingMode.HALF_UP);
            return d.precision() > dt.precision() ? null : d; // overflowing the precision: NULL, as a cast does
        }
        if (type instanceof DateType || type instanceof TimestampType || type instanceof TimestampNTZType) {
            return v.isTextual() ? temporal(v.asText().trim(), type) : null;
        }
        return null; // a type jsonSchemaFromDdl refuses and sparkTypeOf never gives
    }

    /** An integer JSON value (1, or 1.0: JSON Schema counts 1.0 as an integer), else null. */
    private static BigInteger integral(JsonNode v) {
        if (v.isIntegralNumber()) {
            return v.bigIntegerValue();
        }
        if (v.isNumber()) {
            try {
                return v.decimalValue().toBigIntegerExact();
            } catch (ArithmeticException notWhole) {
                return null;
            }
        }
        return null;
    }

    private static Object temporal(String s, DataType type) {
        try {
            if (type instanceof DateType) {
                return LocalDate.parse(s);
            }
            if (type instanceof TimestampNTZType) {
                return s.endsWith("Z") || s.matches(".*[+-]\\d\\d:\\d\\d$")
                    ? OffsetDateTime.parse(s).toLocalDateTime() : LocalDateTime.parse(s);
            }
            try {
                return OffsetDateTime.parse(s).toInstant(); // RFC 3339, as format date-time asks
            } catch (DateTimeParseException noOffset) {
                return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC); // offset left out: read as UTC
            }
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Compact JSON text of a Java value; JSON strings in prompts. */
    static String quote(Object v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
