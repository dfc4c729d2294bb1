package io.lingspark.jobs.input;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.LingException;
import io.lingspark.engine.structured.ConstraintException;
import io.lingspark.engine.structured.StructuredOutput;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The output constraint a params object asks for, under any of the names clients send it with:
 * OpenAI {@code response_format} ({@code json_schema}, {@code json_object}, {@code text}), vLLM's older
 * {@code guided_choice} / {@code guided_regex} / {@code guided_json} and its newer
 * {@code structured_outputs} object. A request has at most one constraint; the same one given twice
 * (a client that fills both names) is fine, two different ones are an INVALID_PARAMS row that names
 * them, as is any value of the wrong shape.
 *
 * <p>Object-valued keys are also accepted as JSON text: that is how Parquet users store schemas, and
 * how clients that double-encode them send them.
 */
public final class Constraints {
    /** The params keys this class reads; RequestParser leaves them to it. */
    public static final Set<String> KEYS = Set.of("response_format", "guided_choice", "guided_regex", "guided_json",
        "guided_decoding_backend", "structured_outputs");
    /** vLLM structured_outputs options that tune a backend without changing what is valid. */
    private static final Set<String> IGNORED = Set.of("disable_fallback", "disable_any_whitespace");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Constraints() {
    }

    /** The constraint of a params object, or null when it asks for none. */
    public static StructuredOutput of(JsonNode params) {
        Map<String, StructuredOutput> found = new LinkedHashMap<>(); // where it was given -> what
        for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (!KEYS.contains(k) || v.isNull()) {
                continue;
            }
            switch (k) {
                case "response_format" -> put(found, responseFormat(v));
                case "guided_choice" -> found.put(k, StructuredOutput.choice(choices(k, v)));
                case "guided_regex" -> found.put(k, StructuredOutput.regex(regex(k, v)));
                case "guided_json" -> found.put(k, StructuredOutput.jsonSchema(schema(k, v)));
                case "structured_outputs" -> structuredOutputs(v, found);
                default -> { } // guided_decoding_backend: we have one backend
            }
        }
        StructuredOutput first = null;
        for (StructuredOutput c : found.values()) {
            if (first == null) {
                first = c;
            } else if (!same(first, c)) {
                throw new LingException(ErrorCode.INVALID_PARAMS, "more than one output constraint: "
                    + String.join(", ", found.keySet()) + "; give one");
            }
        }
        if (first == null) {
            return null;
        }
        try {
            return first.validate();
        } catch (ConstraintException e) {
            throw new LingException(ErrorCode.INVALID_PARAMS, e.getMessage());
        }
    }

    private static void put(Map<String, StructuredOutput> found, Map.Entry<String, StructuredOutput> e) {
        if (e != null) {
            found.put(e.getKey(), e.getValue());
        }
    }

    /** OpenAI: {"type": "json_schema", "json_schema": {"name", "schema", "strict"}}, {"type": "json_object"}, {"type": "text"}. */
    private static Map.Entry<String, StructuredOutput> responseFormat(JsonNode v) {
        JsonNode o = object("response_format", v);
        JsonNode type = o.path("type");
        if (!type.isTextual()) {
            throw bad("response_format.type", "\"text\", \"json_object\" or \"json_schema\"", type);
        }
        return switch (type.asText()) {
            case "text" -> null; // no constraint of its own (clients send it by default): the job's applies
            case "json_object" -> Map.entry("response_format (json_object)", StructuredOutput.jsonObject());
            case "json_schema" -> {
                JsonNode js = object("response_format.json_schema", o.path("json_schema"));
                if (js.path("schema").isMissingNode() || js.path("schema").isNull()) {
                    throw new LingException(ErrorCode.INVALID_PARAMS, "response_format.json_schema.schema is required");
                }
                // name, description and strict are accepted and ignored: the schema is always enforced.
                yield Map.entry("response_format (json_schema)",
                    StructuredOutput.jsonSchema(schema("response_format.json_schema.schema", js.get("schema"))));
            }
            default -> throw bad("response_format.type", "\"text\", \"json_object\" or \"json_schema\"", type);
        };
    }

    /** vLLM: {"choice": [...]} | {"regex": "..."} | {"json": {...} or "..."} | {"json_object": true}. */
    private static void structuredOutputs(JsonNode v, Map<String, StructuredOutput> found) {
        JsonNode o = object("structured_outputs", v);
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = "structured_outputs." + e.getKey();
            JsonNode x = e.getValue();
            if (x.isNull() || IGNORED.contains(e.getKey())) {
                continue;
            }
            switch (e.getKey()) {
                case "choice" -> found.put(k, StructuredOutput.choice(choices(k, x)));
                case "regex" -> found.put(k, StructuredOutput.regex(regex(k, x)));
                case "json" -> found.put(k, StructuredOutput.jsonSchema(schema(k, x)));
                case "json_object" -> {
                    if (!x.isBoolean()) {
                        throw bad(k, "true or false", x);
                    }
                    if (x.asBoolean()) {
                        found.put(k, StructuredOutput.jsonObject());
                    }
                }
                case "grammar", "structural_tag", "whitespace_pattern" -> throw new LingException(ErrorCode.INVALID_PARAMS,
                    k + " is not supported (choice, regex, json, json_object)");
                default -> throw new LingException(ErrorCode.INVALID_PARAMS, "structured_outputs: unknown key '"
                    + RequestParser.abbreviate(e.getKey()) + "' (choice, regex, json, json_object)");
            }
        }
    }

    private static List<String> choices(String k, JsonNode v) {
        if (!v.isArray() || v.isEmpty()) {
            throw bad(k, "a non-empty list of strings", v);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : v) {
            if (!x.isTextual() || x.asText().isEmpty()) {
                throw bad(k, "a non-empty list of non-empty strings", v);
            }
            out.add(x.asText());
        }
        return out;
    }

    private static String regex(String k, JsonNode v) {
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw bad(k, "a non-empty string (a regular expression)", v);
        }
        return v.asText();
    }

    /** A JSON Schema object, as compact JSON text (one spelling per schema, so equal schemas compare equal). */
    private static String schema(String k, JsonNode v) {
        JsonNode s = object(k, v);
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An object, or JSON text holding one. */
    private static JsonNode object(String k, JsonNode v) {
        JsonNode o = v;
        if (v.isTextual()) {
            try {
                o = JSON.readTree(v.asText());
            } catch (JsonProcessingException e) {
                throw new LingException(ErrorCode.INVALID_PARAMS, k + " is a string but not JSON: "
                    + RequestParser.abbreviate(e.getOriginalMessage()));
            }
        }
        if (o == null || !o.isObject()) {
            throw bad(k, "a JSON object", v);
        }
        return o;
    }

    /** Equal constraints; schemas compare as JSON values (key order aside). */
    static boolean same(StructuredOutput a, StructuredOutput b) {
        if (a.kind() != b.kind()) {
            return false;
        }
        if (a.kind() != StructuredOutput.Kind.JSON_SCHEMA) {
            return a.equals(b);
        }
        try {
            return JSON.readTree(a.jsonSchema()).equals(JSON.readTree(b.jsonSchema()));
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private static LingException bad(String k, String expected, JsonNode v) {
        return new LingException(ErrorCode.INVALID_PARAMS, k + " must be " + expected + ", got "
            + RequestParser.abbreviate(v.isMissingNode() ? "nothing" : v.toString()));
    }
}
