package io.lingspark.jobs.output;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.runtime.ErrorCode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * The OpenAI batch output file for an OpenAI batch input: one line per custom_id, shaped like the
 * OpenAI Batch API's output ({@code {id, custom_id, response: {status_code, request_id, body}, error}}),
 * with body a chat.completion carrying every choice and usage. Built on the driver's side of the
 * job from the committed run (so it agrees with the Parquet rows), written by Spark's text writer,
 * then renamed to {@code <output>/_openai_batch/<run_id>.jsonl}. The leading underscore keeps it out
 * of Spark's reads of the output folder.
 */
public final class OpenAiBatchOutput {
    public static final String FOLDER = "_openai_batch";

    private OpenAiBatchOutput() {
    }

    /**
     * @param parsedIsJson whether the parsed column's strings are JSON text ({@link ParsedColumn#holdsJson}):
     *                     they become {@code message.parsed} as JSON, as OpenAI's SDK parses content; else
     *                     (--choices, --regex) the answer as a JSON string
     */
    public static Path write(OutputStore store, String runId, long createdEpochSeconds, boolean parsedIsJson) {
        Dataset<Row> run = store.readRun(runId);
        // A typed parsed column (Parquet) goes over as its JSON text; JSONL reads it back as that text already.
        // (Runs written before structured output have no parsed column.)
        java.util.Optional<DataType> t = java.util.Arrays.stream(run.schema().fields())
            .filter(f -> f.name().equals(OutputSchema.PARSED)).map(f -> f.dataType()).findFirst();
        Column parsed = t.isEmpty() ? lit(null).cast("string")
            : t.get().equals(DataTypes.StringType) ? col(OutputSchema.PARSED) : to_json(col(OutputSchema.PARSED));
        // (Runs written before the logprobs column have none.)
        Column logprobs = java.util.Arrays.asList(run.schema().fieldNames()).contains(OutputSchema.LOGPROBS)
            ? col(OutputSchema.LOGPROBS) : lit(null).cast(DataTypes.createArrayType(OutputSchema.LOGPROB, false));
        // A request failed when it has an error row; INCOMPLETE_OUTPUT is a choice's, on a served request.
        Column requestError = when(col("error.code").notEqual(ErrorCode.INCOMPLETE_OUTPUT.name()), col("error"));
        Dataset<Row> perId = run
            .groupBy(col("id"))
            .agg(first(col("model")).as("model"), first(col("prompt_tokens")).as("prompt_tokens"),
                first(requestError, true).as("error"),
                collect_list(struct(col("choice"), col("text"), col("reasoning_content"), col("tool_calls"),
                    col("finish_reason"), col("completion_tokens"), parsed.as("parsed"), logprobs.as("logprobs"))).as("choices"));
        Dataset<String> lines = perId.map((MapFunction<Row, String>) r -> line(r, createdEpochSeconds, parsedIsJson),
            Encoders.STRING());
        Path dir = new Path(new Path(store.root(), FOLDER), "staging-" + runId);
        lines.coalesce(1).write().mode(SaveMode.Overwrite).text(dir.toString());
        FileSystem fs = store.fs();
        try {
            Path target = new Path(dir.getParent(), runId + ".jsonl");
            FileStatus[] parts = fs.globStatus(new Path(dir, "part-*"));
            fs.delete(target, false);
            if (parts == null || parts.length == 0) {
                fs.create(target, true).close(); // an empty run still gets its (empty) file
            } else if (!fs.rename(parts[0].getPath(), target)) {
                throw new OutputException("cannot move " + parts[0].getPath() + " to " + target);
            }
            fs.delete(dir, true);
            return target;
        } catch (IOException e) {
            throw new OutputException("cannot write the OpenAI batch output: " + e.getMessage(), e);
        }
    }

    /** OpenAI's shape: {"token", "logprob", "bytes" (the token's UTF-8), "top_logprobs": [{"token", "logprob", "bytes"}]}. */
    private static ArrayNode logprobs(ObjectMapper om, List<Row> tokens) {
        ArrayNode content = om.createArrayNode();
        for (Row t : tokens) {
            ObjectNode o = token(content.addObject(), t.getString(0), t.getDouble(1));
            ArrayNode top = o.putArray("top_logprobs");
            List<Row> alts = t.isNullAt(2) ? List.of() : t.getList(2);
            for (Row a : alts) {
                token(top.addObject(), a.getString(0), a.getDouble(1));
            }
        }
        return content;
    }

    private static ObjectNode token(ObjectNode o, String token, double logprob) {
        o.put("token", token);
        o.put("logprob", logprob);
        ArrayNode bytes = o.putArray("bytes");
        if (token != null) {
            for (byte b : token.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                bytes.add(b & 0xFF);
            }
        }
        return o;
    }

    static String line(Row r, long created, boolean parsedIsJson) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode out = om.createObjectNode();
        String id = r.getString(r.fieldIndex("id"));
        out.put("id", "batch_req_" + id);
        out.put("custom_id", id);
        Row error = r.getAs("error");
        if (error != null) {
            out.putNull("response");
            ObjectNode e = out.putObject("error");
            e.put("code", error.getString(0));
            e.put("message", error.getString(1));
            return om.writeValueAsString(out);
        }
        ObjectNode resp = out.putObject("response");
        resp.put("status_code", 200);
        resp.put("request_id", id);
        ObjectNode body = resp.putObject("body");
        body.put("id", "chatcmpl-" + id);
        body.put("object", "chat.completion");
        body.put("created", created);
        body.put("model", r.<String>getAs("model"));
        ArrayNode choices = body.putArray("choices");
        List<Row> cs = new ArrayList<>(r.getList(r.fieldIndex("choices")));
        cs.sort(Comparator.comparingInt(c -> c.getInt(0)));
        long completion = 0;
        for (Row c : cs) {
            ObjectNode ch = choices.addObject();
            ch.put("index", c.getInt(0));
            ObjectNode msg = ch.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", c.getString(1));
            if (!c.isNullAt(6)) {
                String p = c.getString(6);
                msg.set("parsed", parsedIsJson ? om.readTree(p) : om.getNodeFactory().textNode(p));
            }
            if (c.getString(2) != null) {
                msg.put("reasoning_content", c.getString(2));
            }
            List<Row> calls = c.isNullAt(3) ? List.of() : c.getList(3);
            if (!calls.isEmpty()) {
                ArrayNode tc = msg.putArray("tool_calls");
                for (Row t : calls) {
                    ObjectNode call = tc.addObject();
                    call.put("id", t.getString(0));
                    call.put("type", "function");
                    ObjectNode fn = call.putObject("function");
                    fn.put("name", t.getString(1));
                    fn.put("arguments", t.getString(2));
                }
            }
            ch.put("finish_reason", c.getString(4));
            if (c.isNullAt(7)) {
                ch.putNull("logprobs");
            } else {
                ch.putObject("logprobs").set("content", logprobs(om, c.getList(7)));
            }
            completion += c.isNullAt(5) ? 0 : c.getInt(5);
        }
        int prompt = r.isNullAt(r.fieldIndex("prompt_tokens")) ? 0 : r.<Integer>getAs("prompt_tokens");
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        out.putNull("error");
        return om.writeValueAsString(out);
    }
}
