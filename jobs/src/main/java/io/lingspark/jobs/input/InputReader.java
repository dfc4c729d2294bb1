package io.lingspark.jobs.input;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.transform_values;
import static org.apache.spark.sql.functions.when;

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
 * seconds, before any generation task starts. What a single row gets wrong is left to the row
 * ({@link RequestParser}), never to the column: an input with no rows is an empty frame, not an error.
 */
public final class InputReader {
    private InputReader() {
    }

    public static Dataset<Row> read(SparkSession spark, InputSpec spec, Set<String> reservedNames) {
        for (String k : spec.keepColumns()) {
            if (reservedNames.contains(k)) {
                throw new InputException("--keep-columns '" + k + "' clashes with an output column; rename it first");
            }
        }
        spec = resolve(spark, spec);
        Dataset<Row> raw = load(spark, spec);
        if (raw.schema().fields().length == 0 && raw.isEmpty()) {
            return empty(raw, spec); // an empty JSON or CSV file has no columns to check
        }
        if (spec.format() == InputFormat.OPENAI_BATCH && spec.chat() != null) {
            throw new IllegalArgumentException("--system and --prompt-template do not apply to an OpenAI batch file "
                + "(each line's body is its request)");
        }
        return spec.format() == InputFormat.OPENAI_BATCH ? OpenAiBatchInput.canonical(raw, spec) : fromColumns(raw, spec);
    }

    /**
     * The spec with the format the input really has: a JSONL input whose first line is an OpenAI batch
     * request (custom_id and body, no prompt or messages) is read as openai-batch, so an exported batch
     * file needs no --input-format. Only the first non-blank line is read (one small Spark job); a
     * path that cannot be read stays as it is, and reading it reports why.
     */
    public static InputSpec resolve(SparkSession spark, InputSpec spec) {
        if (spec.format() != InputFormat.JSONL || spec.promptColumn() != null || spec.messagesColumn() != null) {
            return spec;
        }
        List<String> first;
        try {
            first = spark.read().textFile(spec.input()).filter(
                (org.apache.spark.api.java.function.FilterFunction<String>) l -> !l.isBlank()).limit(1).collectAsList();
        } catch (Exception e) {
            return spec;
        }
        return first.isEmpty() || !OpenAiBatchInput.isBatchLine(first.get(0)) ? spec
            : spec.withFormat(InputFormat.OPENAI_BATCH);
    }

    private static Dataset<Row> load(SparkSession spark, InputSpec spec) {
        try {
            return switch (spec.format()) {
                case PARQUET -> spark.read().parquet(spec.input());
                case JSONL, OPENAI_BATCH -> JsonInput.read(spark, spec);
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

    /** The canonical frame of no rows; kept columns, which the input cannot type, are strings. */
    private static Dataset<Row> empty(Dataset<Row> raw, InputSpec spec) {
        List<Column> cols = new ArrayList<>();
        for (String c : List.of(Canonical.ID, Canonical.PROMPT, Canonical.MESSAGES, Canonical.TOOLS, Canonical.PARAMS,
            Canonical.CORRUPT)) {
            cols.add(lit(null).cast("string").as(c));
        }
        for (String k : spec.keepColumns()) {
            cols.add(lit(null).cast("string").as(k));
        }
        return raw.select(cols.toArray(Column[]::new));
    }

    private static Dataset<Row> fromColumns(Dataset<Row> raw, InputSpec spec) {
        StructType schema = raw.schema();
        boolean hasCorrupt = Arrays.asList(schema.fieldNames()).contains(JsonInput.CORRUPT);
        String messages = pick(schema, spec.messagesColumn(), "messages", "--messages-column");
        String prompt = pick(schema, spec.promptColumn(), "prompt", "--prompt-column"); // a row uses messages when it has them
        PromptTemplate chat = spec.chat();
        boolean templated = chat != null && chat.template() != null;
        if (prompt == null && messages == null && !templated && !hasCorrupt && !raw.isEmpty()) {
            // (a file of nothing but malformed lines has no columns: its rows are BAD_JSON rows)
            throw new InputException("input has no 'prompt' or 'messages' column (columns: "
                + Arrays.toString(schema.fieldNames()) + "); use --prompt-column, --messages-column or --prompt-template, "
                + "or --input-format if this is not " + spec.format().name().toLowerCase().replace('_', '-')
                + " (parquet, jsonl, csv, openai-batch, table)");
        }
        String tools = pick(schema, spec.toolsColumn(), "tools", "--tools-column");
        String params = pick(schema, spec.paramsColumn(), "params", "--params-column");
        String id = pick(schema, spec.idColumn(), "id", "--id-column");
        for (String k : spec.keepColumns()) {
            requireColumn(schema, k, "--keep-columns");
        }
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
        Column given = id == null ? lit(null).cast("string") : RowIds.text(schema, id);
        Column idCol = RowIds.idOrHash(given, hasCorrupt ? col(JsonInput.CORRUPT) : null, id == null ? "id" : id,
            RowIds.rowHash(schema, hasCorrupt));
        cols.add(idCol.as(Canonical.ID));
        cols.add(promptCol.as(Canonical.PROMPT));
        // A row's own messages win over --system / --prompt-template (a chat set with a few prepared rows).
        Column messagesCol = chat == null ? asJson(schema, messages, false)
            : messages == null ? chat.messages(schema, promptCol)
            : coalesce(asJson(schema, messages, false), chat.messages(schema, promptCol));
        cols.add(messagesCol.as(Canonical.MESSAGES));
        cols.add(asJson(schema, tools, false).as(Canonical.TOOLS));
        cols.add(asJson(schema, params, true).as(Canonical.PARAMS));
        cols.add((hasCorrupt ? col(JsonInput.CORRUPT) : lit(null).cast("string")).as(Canonical.CORRUPT));
        for (String k : spec.keepColumns()) {
            cols.add(col(q(k)));
        }
        return raw.select(cols.toArray(Column[]::new));
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

    static void requireColumn(StructType schema, String name, String what) {
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

    /**
     * A typed column (Parquet, tables) as each row's JSON text: nested values keep their field order,
     * nulls are dropped (as OpenAI clients omit them). Strings (JSON text, and every JSON input's
     * request fields) pass as they are. For params, a floating-point NaN is pandas' missing value: not set.
     */
    private static Column asJson(StructType schema, String name, boolean params) {
        if (name == null) {
            return lit(null).cast("string");
        }
        DataType t = schema.apply(name).dataType();
        Column c = col(q(name));
        if (t.equals(DataTypes.StringType)) {
            return c;
        }
        return to_json(params ? withoutNaN(c, t) : c);
    }

    private static Column withoutNaN(Column c, DataType t) {
        if (t instanceof StructType s) {
            Column[] fields = Arrays.stream(s.fields()).map(f -> notNaN(c.getField(f.name()), f.dataType()).as(f.name()))
                .toArray(Column[]::new);
            return when(c.isNotNull(), struct(fields));
        }
        if (t instanceof MapType m && isFloating(m.valueType())) {
            return transform_values(c, (k, v) -> notNaN(v, m.valueType()));
        }
        return c;
    }

    private static Column notNaN(Column v, DataType t) {
        return isFloating(t) ? when(not(isnan(v)), v) : v;
    }

    private static Column not(Column c) {
        return org.apache.spark.sql.functions.not(c);
    }

    private static boolean isFloating(DataType t) {
        return t.equals(DataTypes.DoubleType) || t.equals(DataTypes.FloatType);
    }

    static String q(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
