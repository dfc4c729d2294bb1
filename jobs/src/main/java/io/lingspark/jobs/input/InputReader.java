package io.lingspark.jobs.input;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads any input format into the canonical request frame ({@link Canonical}) plus the kept
 * columns, checking on the driver that the columns exist with usable types. Reading is lazy: only
 * the schema is touched here (JSON and CSV infer it with one pass), so a wrong column name fails in
 * seconds, before any generation task starts.
 */
public final class InputReader {
    /** OpenAI request-body keys that are sampling parameters; the rest (model, messages, ...) are not. */
    static final List<String> OPENAI_SAMPLING_KEYS = List.of("max_tokens", "max_completion_tokens", "temperature",
        "top_p", "top_k", "min_p", "seed", "stop", "n", "presence_penalty", "frequency_penalty",
        "repetition_penalty", "min_tokens", "logprobs", "top_logprobs", "ignore_eos", "stop_token_ids",
        "response_format", "guided_choice", "guided_regex", "guided_json", "guided_decoding_backend", "structured_outputs");

    private InputReader() {
    }

    public static Dataset<Row> read(SparkSession spark, InputSpec spec, Set<String> reservedNames) {
        Dataset<Row> raw = load(spark, spec);
        Dataset<Row> canonical = spec.format() == InputFormat.OPENAI_BATCH
            ? fromOpenAiBatch(raw, spec) : fromColumns(raw, spec);
        for (String k : spec.keepColumns()) {
            if (reservedNames.contains(k)) {
                throw new InputException("--keep-columns '" + k + "' clashes with an output column; rename it first");
            }
        }
        return canonical;
    }

    private static Dataset<Row> load(SparkSession spark, InputSpec spec) {
        try {
            return switch (spec.format()) {
                case PARQUET -> spark.read().parquet(spec.input());
                case JSONL, OPENAI_BATCH -> {
                    var reader = spark.read().option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt_record");
                    Dataset<Row> inferred = reader.json(spec.input());
                    String parent = spec.format() == InputFormat.OPENAI_BATCH ? "body"
                        : spec.paramsColumn() != null && !spec.paramsColumn().isBlank() ? spec.paramsColumn() : "params";
                    StructType exact = rawJsonFields(inferred.schema(), parent);
                    yield exact == null ? inferred : reader.schema(exact).json(spec.input());
                }
                case CSV -> spark.read().option("header", "true").option("multiLine", "true")
                    .option("escape", "\"").csv(spec.input());
                case TABLE -> spark.table(spec.input());
            };
        } catch (Exception e) {
            // AnalysisException for a missing path or table; its first line is the useful part.
            String m = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
            throw new InputException("cannot read " + spec.format().name().toLowerCase() + " input '"
                + spec.input() + "': " + m, e);
        }
    }

    /**
     * The inferred schema with the JSON-valued constraint keys under {@code parent} (a row's schema in
     * guided_json, response_format, structured_outputs) turned into strings, or null when there are
     * none. Spark's JSON reader keeps the exact text of an object or array read into a string field;
     * inferred as structs, the schemas of all rows would be merged into one type, their keys sorted
     * (which changes the order the model writes properties in), nulls dropped and mixed-type values
     * (an enum of numbers and strings) coerced. Rows without these keys keep their schema, and so
     * their content-hash ids.
     */
    static StructType rawJsonFields(StructType schema, String parent) {
        if (!Arrays.asList(schema.fieldNames()).contains(parent)
            || !(schema.apply(parent).dataType() instanceof StructType inner)) {
            return null;
        }
        boolean changed = false;
        StructField[] fields = inner.fields().clone();
        for (int i = 0; i < fields.length; i++) {
            if (Constraints.JSON_VALUED.contains(fields[i].name()) && !fields[i].dataType().equals(DataTypes.StringType)) {
                fields[i] = new StructField(fields[i].name(), DataTypes.StringType, true, fields[i].metadata());
                changed = true;
            }
        }
        if (!changed) {
            return null;
        }
        StructField[] top = schema.fields().clone();
        int p = schema.fieldIndex(parent);
        top[p] = new StructField(parent, new StructType(fields), top[p].nullable(), top[p].metadata());
        return new StructType(top);
    }

    private static Dataset<Row> fromColumns(Dataset<Row> raw, InputSpec spec) {
        StructType schema = raw.schema();
        String messages = pick(schema, spec.messagesColumn(), "messages", "--messages-column");
        String prompt = pick(schema, spec.promptColumn(), "prompt", "--prompt-column"); // a row uses messages when it has them
        if (prompt == null && messages == null) {
            throw new InputException("input has no 'prompt' or 'messages' column (columns: "
                + Arrays.toString(schema.fieldNames()) + "); use --prompt-column or --messages-column");
        }
        String tools = pick(schema, spec.toolsColumn(), "tools", "--tools-column");
        String params = pick(schema, spec.paramsColumn(), "params", "--params-column");
        String id = pick(schema, spec.idColumn(), "id", "--id-column");
        for (String k : spec.keepColumns()) {
            requireColumn(schema, k, "--keep-columns");
        }
        boolean hasCorrupt = Arrays.asList(schema.fieldNames()).contains("_corrupt_record");
        checkType(schema, prompt, "prompt", false);
        checkType(schema, messages, "messages", true);
        checkType(schema, tools, "tools", true);
        checkType(schema, params, "params", true);
        if (id != null && !(schema.apply(id).dataType() instanceof AtomicType)) {
            throw new InputException("id column '" + id + "' has type " + schema.apply(id).dataType().simpleString()
                + "; it must be a string or a number");
        }
        List<Column> cols = new ArrayList<>();
        Column promptCol = prompt == null ? lit(null).cast("string") : col(q(prompt)).cast("string");
        Column messagesCol = asJson(schema, messages);
        Column toolsCol = asJson(schema, tools);
        Column paramsCol = asJson(schema, params);
        Column rowHash = rowHash(schema, hasCorrupt);
        Column idCol = id == null ? rowHash : coalesce(col(q(id)).cast("string"), rowHash);
        cols.add(idCol.as(Canonical.ID));
        cols.add(promptCol.as(Canonical.PROMPT));
        cols.add(messagesCol.as(Canonical.MESSAGES));
        cols.add(toolsCol.as(Canonical.TOOLS));
        cols.add(paramsCol.as(Canonical.PARAMS));
        cols.add((hasCorrupt ? col("_corrupt_record") : lit(null).cast("string")).as(Canonical.CORRUPT));
        for (String k : spec.keepColumns()) {
            cols.add(col(q(k)));
        }
        return raw.select(cols.toArray(Column[]::new));
    }

    /** OpenAI batch lines: {custom_id, method, url, body: {model, messages | prompt, tools, max_tokens, ...}}. */
    private static Dataset<Row> fromOpenAiBatch(Dataset<Row> raw, InputSpec spec) {
        StructType schema = raw.schema();
        requireColumn(schema, "custom_id", "an OpenAI batch file");
        requireColumn(schema, "body", "an OpenAI batch file");
        if (!(schema.apply("body").dataType() instanceof StructType body)) {
            throw new InputException("OpenAI batch 'body' must be a JSON object, found "
                + schema.apply("body").dataType().simpleString());
        }
        Set<String> fields = Set.of(body.fieldNames());
        Column prompt = fields.contains("prompt") ? col("body.prompt").cast("string") : lit(null).cast("string");
        Column messages = fields.contains("messages") ? asJsonCol(body.apply("messages").dataType(), col("body.messages"))
            : lit(null).cast("string");
        Column tools = fields.contains("tools") ? asJsonCol(body.apply("tools").dataType(), col("body.tools"))
            : lit(null).cast("string");
        List<Column> sampling = new ArrayList<>();
        for (String k : OPENAI_SAMPLING_KEYS) {
            if (fields.contains(k)) {
                sampling.add(col("body." + k).as(k));
            }
        }
        Column params = sampling.isEmpty() ? lit(null).cast("string") : to_json(struct(sampling.toArray(Column[]::new)));
        for (String k : spec.keepColumns()) {
            requireColumn(schema, k, "--keep-columns");
        }
        boolean hasCorrupt = fields.contains("_corrupt_record") || Arrays.asList(schema.fieldNames()).contains("_corrupt_record");
        List<Column> cols = new ArrayList<>(List.of(
            coalesce(col("custom_id").cast("string"), hashId(prompt, messages, tools, params)).as(Canonical.ID),
            prompt.as(Canonical.PROMPT), messages.as(Canonical.MESSAGES), tools.as(Canonical.TOOLS),
            params.as(Canonical.PARAMS),
            (hasCorrupt ? col("_corrupt_record") : lit(null).cast("string")).as(Canonical.CORRUPT)));
        for (String k : spec.keepColumns()) {
            cols.add(col(q(k)));
        }
        return raw.select(cols.toArray(Column[]::new));
    }

    /**
     * The deterministic id of a row without one: a SHA-256 of the row's content (every input column
     * as JSON, so rows that differ anywhere, even in a kept column, get different ids; plus the raw
     * line of a malformed JSON line), so a rerun or a resume finds the same ids. Rows identical in
     * every column share an id and are generated once (the job reports how many).
     */
    public static Column hashId(Column... parts) {
        Column nul = lit("\u0000");
        Column[] p = new Column[parts.length];
        for (int i = 0; i < parts.length; i++) {
            p[i] = coalesce(parts[i], nul);
        }
        return sha2(concat_ws("\u0001", p), 256).substr(1, 32);
    }

    private static Column rowHash(StructType schema, boolean hasCorrupt) {
        Column[] fields = Arrays.stream(schema.fieldNames()).filter(f -> !f.equals("_corrupt_record"))
            .map(f -> col(q(f))).toArray(Column[]::new);
        Column content = fields.length == 0 ? lit(null).cast("string") : to_json(struct(fields));
        return hasCorrupt ? hashId(content, col("_corrupt_record")) : hashId(content);
    }

    private static String pick(StructType schema, String asked, String conventional, String flag) {
        if (asked != null && !asked.isBlank()) {
            requireColumn(schema, asked, flag);
            return asked;
        }
        if (conventional != null && Arrays.asList(schema.fieldNames()).contains(conventional)) {
            return conventional;
        }
        return null;
    }

    private static void requireColumn(StructType schema, String name, String what) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new InputException("column '" + name + "' (" + what + ") is not in the input; columns: "
                + Arrays.toString(schema.fieldNames()));
        }
    }

    private static void checkType(StructType schema, String name, String role, boolean jsonShaped) {
        if (name == null) {
            return;
        }
        DataType t = schema.apply(name).dataType();
        boolean ok = t.equals(DataTypes.StringType)
            || (jsonShaped && (t instanceof ArrayType || t instanceof StructType || t instanceof MapType));
        if (!ok) {
            throw new InputException(role + " column '" + name + "' has type " + t.simpleString() + "; expected "
                + (jsonShaped ? "a JSON string, an array or a struct" : "string"));
        }
    }

    private static Column asJson(StructType schema, String name) {
        if (name == null) {
            return lit(null).cast("string");
        }
        StructField f = schema.apply(name);
        return asJsonCol(f.dataType(), col(q(name)));
    }

    /** Nested values become JSON text (nulls dropped, as OpenAI clients omit them); strings pass as they are. */
    private static Column asJsonCol(DataType t, Column c) {
        return t.equals(DataTypes.StringType) ? c : to_json(c);
    }

    private static String q(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
