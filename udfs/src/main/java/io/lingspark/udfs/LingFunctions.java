package io.lingspark.udfs;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark SQL functions over a Ling model's text side and output parsers, for SQL and DataFrames:
 * <pre>
 *   LingFunctions.register(spark, "/models/Ling-mini-2.0");
 *   spark.sql("SELECT ling_token_count(ling_chat_prompt(messages, tools)) FROM chats");
 *   df.select(callUDF("ling_parse_tool_calls", col("text")));
 * </pre>
 * <ul>
 *   <li>{@code ling_chat_prompt(messages[, tools])}: the prompt the model's own chat template renders
 *       (with the generation prompt); messages/tools as JSON strings or arrays of structs; tools may be NULL;
 *       a role other than system, user, assistant and tool fails the query, as it fails a generate row</li>
 *   <li>{@code ling_token_count(text)}: tokens of text (no template, no BOS)</li>
 *   <li>{@code ling_parse_tool_calls(text)}: {@code array<struct<id, name, arguments>>} of Ling tool-call blocks</li>
 *   <li>{@code ling_parse_reasoning(text)}: {@code struct<reasoning_content, content>}</li>
 * </ul>
 * NULL in gives NULL out. A scalar argument where text is expected (a number, a date) is cast to STRING; a
 * nested one is a one-line error when the query is analyzed. Invalid messages fail the query with a message (unlike the generate job,
 * which records per-row errors), because a SQL function has no error column to put them in.
 * The model directory must be readable at the same path on every executor; only its tokenizer and
 * template are loaded (once per JVM), never the weights.
 *
 * <p>{@link #registerGenerate} adds the functions that run the model itself ({@code ling_classify},
 * {@code ling_extract}: see {@link LingGenerateFunctions}); those load the weights, once per executor JVM.
 */
public final class LingFunctions {
    public static final StructType TOOL_CALL = new StructType()
        .add("id", DataTypes.StringType)
        .add("name", DataTypes.StringType)
        .add("arguments", DataTypes.StringType);

    public static final StructType REASONING = new StructType()
        .add("reasoning_content", DataTypes.StringType)
        .add("content", DataTypes.StringType);

    private LingFunctions() {
    }

    /** ling_classify and ling_extract on the CPU (see {@link LingGenerateFunctions}). */
    public static void registerGenerate(SparkSession spark, String modelDir) {
        LingGenerateFunctions.register(spark, modelDir, Map.of());
    }

    /**
     * ling_classify and ling_extract with engine options: device ("cpu" by default; "cuda", "auto"),
     * max_running, max_batch_tokens, max_model_len, cpu_threads, cpu_weights ("int8"), kv_cache_memory ("4g"),
     * prefix_caching.
     */
    public static void registerGenerate(SparkSession spark, String modelDir, Map<String, ?> engineOptions) {
        LingGenerateFunctions.register(spark, modelDir, engineOptions);
    }

    public static void register(SparkSession spark, String modelDir) {
        String dir = modelDir; // captured by the builders: a path string, not the loaded model
        var registry = spark.sessionState().functionRegistry();
        for (LingTextFunctions.Definition d : LingTextFunctions.definitions(() -> dir)) {
            registry.registerFunction(FunctionIdentifier.apply(d.name()), d.info(),
                args -> d.builder().apply(CollectionConverters.asJava(args)));
        }
    }
}
