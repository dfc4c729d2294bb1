package io.lingspark.jobs.input;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * OpenAI batch lines: {@code {custom_id, method, url, body: {model, messages | prompt, tools, max_tokens, ...}}}.
 * The body is read as its own JSON text (see {@link JsonInput}) and split here, row by row: inferred
 * as a struct, one body's {@code "max_tokens": "ten"} would have turned every body's max_tokens into a
 * string, and tools' keys would have come back sorted.
 */
final class OpenAiBatchInput {
    /** OpenAI request-body keys that are sampling parameters; the rest (model, messages, ...) are not. */
    static final List<String> SAMPLING_KEYS = List.of("max_tokens", "max_completion_tokens", "temperature",
        "top_p", "top_k", "min_p", "seed", "stop", "n", "presence_penalty", "frequency_penalty",
        "repetition_penalty", "min_tokens", "logprobs", "top_logprobs", "ignore_eos", "stop_token_ids",
        "response_format", "guided_choice", "guided_regex", "guided_json", "guided_decoding_backend", "structured_outputs");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final StructType SPLIT = new StructType().add("prompt", DataTypes.StringType)
        .add("messages", DataTypes.StringType).add("tools", DataTypes.StringType).add("params", DataTypes.StringType)
        .add("bad", DataTypes.StringType);

    private OpenAiBatchInput() {
    }

    /** Whether a JSONL line is an OpenAI batch request: an object with custom_id and body, no prompt or messages. */
    static boolean isBatchLine(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.isObject() && n.has("custom_id") && n.has("body")
                && !n.has("prompt") && !n.has("messages");
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    static Dataset<Row> canonical(Dataset<Row> raw, InputSpec spec) {
        StructType schema = raw.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        boolean hasCorrupt = names.contains(JsonInput.CORRUPT);
        if (!hasCorrupt) { // a file of nothing but malformed lines has neither; its rows are errors, not a usage problem
            InputReader.requireColumn(schema, "custom_id", "an OpenAI batch file");
            InputReader.requireColumn(schema, "body", "an OpenAI batch file");
        }
        for (String k : spec.keepColumns()) {
            InputReader.requireColumn(schema, k, "--keep-columns");
        }
        Column body = names.contains("body")
            ? functions.udf((UDF1<String, Row>) OpenAiBatchInput::split, SPLIT).apply(col("body"))
            : lit(null).cast(SPLIT);
        Column prompt = body.getField("prompt");
        Column messages = body.getField("messages");
        Column tools = body.getField("tools");
        Column params = body.getField("params");
        // A body that is not an object is the row's error: its text stands in for a malformed line.
        Column corrupt = hasCorrupt ? coalesce(col(JsonInput.CORRUPT), body.getField("bad")) : body.getField("bad");
        Column given = names.contains("custom_id") ? col("custom_id").cast("string") : lit(null).cast("string");
        Column id = RowIds.idOrHash(given, hasCorrupt ? col(JsonInput.CORRUPT) : null, "custom_id",
            RowIds.hash(prompt, messages, tools, params, corrupt));
        List<Column> cols = new ArrayList<>(List.of(id.as(Canonical.ID), prompt.as(Canonical.PROMPT),
            messages.as(Canonical.MESSAGES), tools.as(Canonical.TOOLS), params.as(Canonical.PARAMS),
            corrupt.as(Canonical.CORRUPT)));
        for (String k : spec.keepColumns()) {
            cols.add(col(InputReader.q(k)));
        }
        return raw.select(cols.toArray(Column[]::new));
    }

    /** One body's text split into prompt, messages, tools and params (in the body's own key order). */
    static Row split(String body) {
        if (body == null) {
            return RowFactory.create(null, null, null, null, null);
        }
        JsonNode b;
        try {
            b = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return RowFactory.create(null, null, null, null, body);
        }
        if (b == null || !b.isObject()) {
            return RowFactory.create(null, null, null, null, body);
        }
        ObjectNode params = JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (SAMPLING_KEYS.contains(e.getKey())) {
                params.set(e.getKey(), e.getValue());
            }
        }
        return RowFactory.create(text(b.get("prompt")), text(b.get("messages")), text(b.get("tools")),
            params.isEmpty() ? null : write(params), null);
    }

    /** A string as it is (prompts; messages given as JSON text); anything else as its JSON text. */
    private static String text(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isTextual() ? v.asText() : write(v);
    }

    private static String write(JsonNode v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree we just read always writes
        }
    }
}
