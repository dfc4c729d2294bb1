package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;

/**
 * Checks a written row against the constraint it was generated under, independently of the engine:
 * JSON Schemas with networknt's 2020-12 validator (formats asserted), regexes with java.util.regex
 * (full match), choices by membership. The rules: a row that stopped has a parsed value that satisfies
 * its constraint; a row cut by max_tokens has finish_reason length, no parsed value and INCOMPLETE_OUTPUT;
 * a row whose answer the constraint accepted exactly as max_tokens ran out has finish_reason length and
 * a parsed value (the engine's rule: parsed is set whenever the whole answer was accepted), also valid.
 */
final class StructuredChecks {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    /** What a row asked for: kind is choice, regex, json_schema or json_object. */
    record Expect(String kind, List<String> choices, String regex, JsonNode schema) {
        static Expect choice(List<String> cs) {
            return new Expect("choice", cs, null, null);
        }

        static Expect regex(String r) {
            return new Expect("regex", null, r, null);
        }

        static Expect schema(JsonNode s) {
            return new Expect("json_schema", null, null, s);
        }

        static Expect object() {
            return new Expect("json_object", null, null, null);
        }
    }

    private StructuredChecks() {
    }

    /** Violations of the schema by the document (empty: valid). */
    static Set<ValidationMessage> violations(JsonNode schema, JsonNode doc) {
        return SCHEMAS.computeIfAbsent(schema.toString(), k -> FACTORY.getSchema(schema, CONFIG)).validate(doc);
    }

    /**
     * Checks one output row. answer: the parsed value as the answer (the --choices/--regex column)
     * rather than JSON text. Returns "stop", "length" (accepted just as max_tokens ran out: the answer
     * is complete, so it is parsed) or "cut" (ended by max_tokens before the constraint accepted it).
     */
    static String check(Expect e, String id, String text, String parsed, String finish, String errorCode, boolean answer)
        throws Exception {
        String where = id + " (" + e.kind() + "): text=" + text + " parsed=" + parsed + " finish=" + finish
            + " error=" + errorCode;
        assertNotNull(text, where);
        if (parsed == null) {
            assertEquals("length", finish, "only an answer cut short has no parsed value: " + where);
            assertEquals("INCOMPLETE_OUTPUT", errorCode, where);
            return "cut";
        }
        assertTrue("stop".equals(finish) || "length".equals(finish), where);
        assertNull(errorCode, where);
        String value = parsed;
        if (!answer && !e.kind().startsWith("json")) {
            JsonNode s = JSON.readTree(parsed);
            assertTrue(s.isTextual(), "choice/regex rows hold a JSON string: " + where);
            value = s.asText();
        }
        switch (e.kind()) {
            case "choice" -> assertTrue(e.choices().contains(value), where);
            case "regex" -> assertTrue(Pattern.compile(e.regex()).matcher(value).matches(), where);
            case "json_schema" -> {
                Set<ValidationMessage> v = violations(e.schema(), JSON.readTree(value));
                assertTrue(v.isEmpty(), v + ": " + where);
            }
            case "json_object" -> assertTrue(JSON.readTree(value).isObject(), where);
            default -> fail(e.kind());
        }
        return finish;
    }

    /** check() on a row selected as (id, text, parsed, finish_reason, error.code). */
    static String check(Expect e, Row r, boolean answer) throws Exception {
        return check(e, r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4), answer);
    }
}
