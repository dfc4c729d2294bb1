package io.lingspark.jobs.input;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.LingException;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.structured.StructuredOutput;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns one canonical row (id, prompt, messages JSON, tools JSON, params JSON) into an engine
 * request, or a typed error the job writes as a row. Runs in executors; everything a row can get
 * wrong is caught here or by the engine, never thrown out of the task.
 */
public final class RequestParser implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads the whole text: trailing content after a value is an error, as it is to the JSONL reader. */
    private static final ObjectReader STRICT = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final String defaultParamsJson;
    private final Long baseSeed;

    /**
     * @param defaultParamsJson the job's sampling options as a params object (same keys as rows use)
     * @param baseSeed          --seed: each row without its own seed gets a seed derived from it and
     *                          the row id, so reruns reproduce every row without all rows sampling alike
     */
    public RequestParser(String defaultParamsJson, Long baseSeed) {
        this.defaultParamsJson = defaultParamsJson;
        this.baseSeed = baseSeed;
    }

    /** Either a request or an error; exactly one is non-null. */
    public record Parsed(GenerationRequest request, ErrorCode errorCode, String errorMessage) {
        static Parsed error(ErrorCode c, String m) {
            return new Parsed(null, c, m);
        }
    }

    public Parsed parse(String id, String prompt, String messagesJson, String toolsJson, String paramsJson,
                        String corruptLine) {
        if (corruptLine != null) {
            return Parsed.error(ErrorCode.BAD_JSON, notAnObject(corruptLine));
        }
        SamplingParams params;
        try {
            params = params(id, paramsJson);
        } catch (LingException e) {
            return Parsed.error(e.code(), e.getMessage());
        }
        if (messagesJson != null) {
            try {
                List<Map<String, Object>> messages = ChatMessages.messages(messagesJson);
                List<Map<String, Object>> tools = toolsJson == null ? null : ChatMessages.tools(toolsJson);
                return new Parsed(GenerationRequest.ofMessages(id, messages, tools, params), null, null);
            } catch (LingException e) {
                return Parsed.error(e.code(), e.getMessage());
            }
        }
        if (prompt == null || prompt.isEmpty()) {
            return Parsed.error(ErrorCode.EMPTY_PROMPT, prompt == null ? "prompt is null" : "prompt is empty");
        }
        return new Parsed(GenerationRequest.ofPrompt(id, prompt, params), null, null);
    }

    SamplingParams params(String id, String rowJson) {
        SamplingParams.Builder b = SamplingParams.builder();
        StructuredOutput constraint = null;
        if (defaultParamsJson != null) {
            JsonNode defaults = readTree(defaultParamsJson, "default params");
            apply(b, defaults, "default ");
            constraint = Constraints.of(defaults);
        }
        boolean rowSeed = false;
        if (rowJson != null && !rowJson.isBlank()) {
            JsonNode row = readTreeParams(rowJson);
            if (!row.isNull()) {
                if (!row.isObject()) {
                    throw new LingException(ErrorCode.INVALID_PARAMS, "params must be a JSON object");
                }
                rowSeed = row.hasNonNull("seed");
                apply(b, row, "");
                StructuredOutput own = Constraints.of(row);
                if (own != null) {
                    constraint = own; // a row's own constraint overrides the job's (--choices, --output-schema, ...)
                }
            }
        }
        b.structuredOutput(constraint);
        if (!rowSeed && baseSeed != null) {
            b.seed(rowSeed(baseSeed, id));
        }
        return b.build().validate();
    }

    /**
     * Why a row's text (a JSONL line the reader could not parse, an OpenAI batch body) is not a JSON
     * object, in Jackson's words: where it broke, not the row's data.
     */
    static String notAnObject(String text) {
        try {
            JsonNode n = STRICT.readTree(text);
            return n == null || n.isMissingNode() ? "the row is empty, not a JSON object"
                : n.isObject() ? "the row is not a JSON object the reader can read"
                : "the row is a JSON " + n.getNodeType().name().toLowerCase(Locale.ROOT) + ", not an object";
        } catch (JsonProcessingException e) {
            return "the row is not valid JSON: " + abbreviate(e.getOriginalMessage());
        }
    }

    /** A row's seed from the job seed and the id (SplitMix64 finaliser over both): stable across runs. */
    public static long rowSeed(long base, String id) {
        long z = base * 0x9E3779B97F4A7C15L + id.hashCode() * 0xBF58476D1CE4E5B9L + id.length();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }

    private static void apply(SamplingParams.Builder b, JsonNode o, String what) {
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (v.isNull() || Constraints.KEYS.contains(k)) {
                continue; // constraints: Constraints.of
            }
            switch (k) {
                case "max_tokens", "max_completion_tokens" -> b.maxTokens(integer(k, v));
                case "min_tokens" -> b.minTokens(integer(k, v));
                case "temperature" -> b.temperature(number(k, v));
                case "top_p" -> b.topP(number(k, v));
                case "top_k" -> b.topK(integer(k, v));
                case "min_p" -> b.minP(number(k, v));
                case "presence_penalty" -> b.presencePenalty(number(k, v));
                case "frequency_penalty" -> b.frequencyPenalty(number(k, v));
                case "repetition_penalty" -> b.repetitionPenalty(number(k, v));
                case "seed" -> b.seed(whole(k, v, Long.MIN_VALUE, Long.MAX_VALUE));
                case "n" -> b.n(integer(k, v));
                case "stop" -> b.stop(strings(k, v));
                case "stop_token_ids" -> {
                    List<Integer> ids = new ArrayList<>();
                    if (!v.isArray()) {
                        throw bad(k, "a list of integers", v);
                    }
                    for (JsonNode x : v) {
                        ids.add(integer(k, x));
                    }
                    b.stopTokenIds(ids);
                }
                case "ignore_eos" -> b.ignoreEos(bool(k, v));
                case "skip_special_tokens" -> b.skipSpecialTokens(bool(k, v));
                // OpenAI chat: logprobs is a flag and top_logprobs the count; completions: an int.
                case "logprobs" -> {
                    if (v.isBoolean()) {
                        b.logprobs(v.asBoolean() ? 0 : null);
                    } else {
                        b.logprobs(integer(k, v));
                    }
                }
                case "top_logprobs" -> b.logprobs(integer(k, v));
                default -> throw new LingException(ErrorCode.INVALID_PARAMS, what + "params: unknown parameter '"
                    + abbreviate(k) + "'");
            }
        }
    }

    private static int integer(String k, JsonNode v) {
        return (int) whole(k, v, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * An integer parameter. A float with a whole value counts (8.0 is 8): Parquet from pandas stores
     * integer columns with missing values as doubles, and JSON writers print some integers that way.
     * A fraction, a value out of range (1e30) or anything not a number is the row's INVALID_PARAMS.
     */
    private static long whole(String k, JsonNode v, long min, long max) {
        if (v.isNumber() && (!v.isFloatingPointNumber() || Double.isFinite(v.doubleValue()))) {
            try {
                long x = v.decimalValue().longValueExact(); // throws for a fraction or beyond a long
                if (x >= min && x <= max) {
                    return x;
                }
            } catch (ArithmeticException e) {
                // not a whole number in range: below
            }
        }
        throw bad(k, "an integer", v);
    }

    private static double number(String k, JsonNode v) {
        if (!v.isNumber()) {
            throw bad(k, "a number", v);
        }
        return v.asDouble();
    }

    private static boolean bool(String k, JsonNode v) {
        if (!v.isBoolean()) {
            throw bad(k, "true or false", v);
        }
        return v.asBoolean();
    }

    private static List<String> strings(String k, JsonNode v) {
        if (v.isTextual()) {
            return List.of(v.asText());
        }
        if (!v.isArray()) {
            throw bad(k, "a string or a list of strings", v);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : v) {
            if (!x.isTextual()) {
                throw bad(k, "a string or a list of strings", v);
            }
            out.add(x.asText());
        }
        return out;
    }

    private static LingException bad(String k, String expected, JsonNode v) {
        return new LingException(ErrorCode.INVALID_PARAMS, k + " must be " + expected + ", got "
            + abbreviate(v.toString()));
    }

    static JsonNode readTree(String json, String what) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new LingException(ErrorCode.BAD_MESSAGES, what + " is not valid JSON: "
                + abbreviate(e.getOriginalMessage()));
        }
    }

    private static JsonNode readTreeParams(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new LingException(ErrorCode.INVALID_PARAMS, "params is not valid JSON: "
                + abbreviate(e.getOriginalMessage()));
        }
    }

    /** Error messages quote row data; keep them short (rows may hold PII, and logs count bytes). */
    static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
