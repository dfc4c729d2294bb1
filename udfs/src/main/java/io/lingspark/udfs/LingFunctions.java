package io.lingspark.udfs;

import io.lingspark.engine.output.ParsedToolCalls;
import io.lingspark.engine.output.ReasoningParser;
import io.lingspark.engine.output.ReasoningSplit;
import io.lingspark.engine.output.ToolCallParser;
import io.lingspark.engine.output.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Spark SQL functions over a Ling model's text side and output parsers, for SQL and DataFrames:
 * <pre>
 *   LingFunctions.register(spark, "/models/Ling-mini-2.0");
 *   spark.sql("SELECT ling_token_count(ling_chat_prompt(messages, tools)) FROM chats");
 *   df.select(callUDF("ling_parse_tool_calls", col("text")));
 * </pre>
 * <ul>
 *   <li>{@code ling_chat_prompt(messages, tools)}: the prompt the model's own chat template renders
 *       (with the generation prompt); messages/tools as JSON strings or arrays of structs; tools may be NULL</li>
 *   <li>{@code ling_token_count(text)}: tokens of text (no template, no BOS)</li>
 *   <li>{@code ling_parse_tool_calls(text)}: {@code array<struct<id, name, arguments>>} of Ling tool-call blocks</li>
 *   <li>{@code ling_parse_reasoning(text)}: {@code struct<reasoning_content, content>}</li>
 * </ul>
 * NULL in gives NULL out. Invalid messages fail the query with a message (unlike the generate job,
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
     * max_running, max_batch_tokens, max_model_len, cpu_threads, kv_cache_memory ("4g"), prefix_caching.
     */
    public static void registerGenerate(SparkSession spark, String modelDir, Map<String, ?> engineOptions) {
        LingGenerateFunctions.register(spark, modelDir, engineOptions);
    }

    public static void register(SparkSession spark, String modelDir) {
        String dir = modelDir; // captured by the closures: a path string, not the loaded model
        spark.udf().register("ling_chat_prompt", (UDF2<Object, Object, String>) (messages, tools) -> {
            if (messages == null) {
                return null;
            }
            List<Map<String, Object>> ms = SparkJson.objectList(messages, "messages");
            List<Map<String, Object>> ts = SparkJson.objectList(tools, "tools");
            return TextModel.get(dir).template().render(ms, ts, true, Map.of());
        }, DataTypes.StringType);

        spark.udf().register("ling_token_count", (UDF1<String, Integer>) text ->
            text == null ? null : TextModel.get(dir).tokenizer().encode(text).length, DataTypes.IntegerType);

        spark.udf().register("ling_parse_tool_calls", (UDF1<String, List<Row>>) text -> {
            if (text == null) {
                return null;
            }
            ParsedToolCalls p = ToolCallParser.parse(text);
            List<Row> out = new ArrayList<>();
            for (ToolCall c : p.toolCalls()) {
                out.add(RowFactory.create(c.id(), c.name(), c.arguments()));
            }
            return out;
        }, DataTypes.createArrayType(TOOL_CALL));

        spark.udf().register("ling_parse_reasoning", (UDF1<String, Row>) text -> {
            if (text == null) {
                return null;
            }
            ReasoningSplit s = ReasoningParser.split(text, TextModel.get(dir).startsInReasoning());
            return RowFactory.create(s.reasoningContent(), s.content());
        }, REASONING);
    }
}
