package io.lingspark.jobs.output;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The generation output: one row per input row and choice (one row with choice 0 for a request that
 * failed). The column order here is the column order on disk; run_id is the partition column.
 */
public final class OutputSchema {
    public static final String RUN_ID = "run_id";

    public static final StructType TOOL_CALL = new StructType()
        .add("id", DataTypes.StringType)
        .add("name", DataTypes.StringType)
        .add("arguments", DataTypes.StringType);

    public static final StructType ERROR = new StructType()
        .add("code", DataTypes.StringType)
        .add("message", DataTypes.StringType);

    /** An alternative token at a step of a choice (OpenAI's top_logprobs entry, without bytes). */
    public static final StructType TOP_LOGPROB = new StructType()
        .add("token", DataTypes.StringType)
        .add("logprob", DataTypes.DoubleType);

    /** A generated token's log-probability and the top alternatives at its step (logprobs / top_logprobs params). */
    public static final StructType LOGPROB = new StructType()
        .add("token", DataTypes.StringType)
        .add("logprob", DataTypes.DoubleType)
        .add("top_logprobs", DataTypes.createArrayType(TOP_LOGPROB, false));

    public static final String LOGPROBS = "logprobs";

    public static final String PARSED = "parsed";

    /** The columns with a string parsed column; {@link #base} gives the job's own parsed type. */
    public static final StructType BASE = base(DataTypes.StringType);

    private OutputSchema() {
    }

    /** The columns, parsed with the type the job's flags decide ({@link ParsedColumn}). */
    public static StructType base(DataType parsedType) {
        return new StructType()
        .add("id", DataTypes.StringType, false)
        .add("choice", DataTypes.IntegerType, false)
        .add("model", DataTypes.StringType)
        .add("model_revision", DataTypes.StringType)
        .add("text", DataTypes.StringType)
        .add(PARSED, parsedType)
        .add("reasoning_content", DataTypes.StringType)
        .add("tool_calls", DataTypes.createArrayType(TOOL_CALL, false))
        .add("finish_reason", DataTypes.StringType)
        .add("prompt_tokens", DataTypes.IntegerType)
        .add("completion_tokens", DataTypes.IntegerType)
        .add("latency_ms", DataTypes.DoubleType)
        .add("ttft_ms", DataTypes.DoubleType)
        .add("attempt", DataTypes.IntegerType)
        .add("error", ERROR)
        // last, so the columns of runs written before it keep their places; null unless the row asked for logprobs
        .add(LOGPROBS, DataTypes.createArrayType(LOGPROB, false));
    }

    /** Output column names keep-columns must not reuse. */
    public static Set<String> reservedNames() {
        Set<String> s = new LinkedHashSet<>(List.of(BASE.fieldNames()));
        s.add(RUN_ID);
        return s;
    }

    /** The base columns, then the kept input columns with their input types, then run_id. */
    public static StructType withKept(StructType input, List<String> keep, DataType parsedType) {
        return withKept(base(parsedType), input, keep);
    }

    /** A job's own columns, then the kept input columns with their input types, then run_id. */
    public static StructType withKept(StructType columns, StructType input, List<String> keep) {
        StructType s = columns;
        for (String k : keep) {
            StructField f = input.apply(k);
            s = s.add(f.name(), f.dataType(), true);
        }
        return s.add(RUN_ID, DataTypes.StringType, false);
    }
}
