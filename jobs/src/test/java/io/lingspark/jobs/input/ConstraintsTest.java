package io.lingspark.jobs.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.structured.StructuredOutput;
import io.lingspark.engine.structured.StructuredOutput.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every way a row can ask for an output constraint, and every way it can get one wrong. */
class ConstraintsTest {
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}";
    private final RequestParser plain = new RequestParser("{\"max_tokens\":16}", null);

    private static StructuredOutput constraint(RequestParser p, String params) {
        RequestParser.Parsed r = p.parse("r1", "hello", null, null, params, null);
        assertNull(r.errorCode(), r.errorMessage());
        return r.request().params().structuredOutput();
    }

    private StructuredOutput constraint(String params) {
        return constraint(plain, params);
    }

    private String error(String params) {
        RequestParser.Parsed r = plain.parse("r1", "hello", null, null, params, null);
        assertEquals(ErrorCode.INVALID_PARAMS, r.errorCode(), "params " + params);
        return r.errorMessage();
    }

    @Test
    void openAiResponseFormat() {
        StructuredOutput s = constraint("{\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
            + "{\"name\":\"x\",\"strict\":true,\"schema\":" + SCHEMA + "}}}");
        assertEquals(StructuredOutput.jsonSchema(SCHEMA), s);
        assertEquals(StructuredOutput.jsonObject(), constraint("{\"response_format\":{\"type\":\"json_object\"}}"));
        assertNull(constraint("{\"response_format\":{\"type\":\"text\"}}"));
        assertNull(constraint("{\"max_tokens\":3}"));
        // as JSON text (Parquet string columns, and how the JSONL reader hands objects over)
        assertEquals(StructuredOutput.jsonSchema(SCHEMA), constraint("{\"response_format\":"
            + q("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":" + SCHEMA + "}}") + "}"));
    }

    @Test
    void vllmGuidedNames() {
        assertEquals(StructuredOutput.choice(List.of("ja", "nein", "vielleicht, später")),
            constraint("{\"guided_choice\":[\"ja\",\"nein\",\"vielleicht, später\"],\"guided_decoding_backend\":\"xgrammar\"}"));
        assertEquals(StructuredOutput.regex("[a-z]+@[a-z]+\\.com"), constraint("{\"guided_regex\":\"[a-z]+@[a-z]+\\\\.com\"}"));
        assertEquals(StructuredOutput.jsonSchema(SCHEMA), constraint("{\"guided_json\":" + SCHEMA + "}"));
        assertEquals(StructuredOutput.jsonSchema(SCHEMA), constraint("{\"guided_json\":" + q(SCHEMA) + "}"));
        // spacing does not matter: one spelling per schema
        assertEquals(StructuredOutput.jsonSchema(SCHEMA), constraint("{\"guided_json\": " + SCHEMA.replace(":", " : ") + "}"));
    }

    @Test
    void vllmStructuredOutputs() {
        assertEquals(Kind.CHOICE, constraint("{\"structured_outputs\":{\"choice\":[\"是\",\"否\"]}}").kind());
        assertEquals(List.of("是", "否"), constraint("{\"structured_outputs\":{\"choice\":[\"是\",\"否\"]}}").choices());
        assertEquals(StructuredOutput.regex("\\d{3}"), constraint("{\"structured_outputs\":{\"regex\":\"\\\\d{3}\"}}"));
        assertEquals(StructuredOutput.jsonSchema(SCHEMA), constraint("{\"structured_outputs\":{\"json\":" + SCHEMA + "}}"));
        assertEquals(StructuredOutput.jsonSchema(SCHEMA), constraint("{\"structured_outputs\":{\"json\":" + q(SCHEMA) + "}}"));
        assertEquals(StructuredOutput.jsonObject(), constraint("{\"structured_outputs\":{\"json_object\":true,"
            + "\"disable_fallback\":true}}"));
        assertNull(constraint("{\"structured_outputs\":{\"json_object\":false}}"));
        assertNull(constraint("{\"structured_outputs\":null,\"guided_json\":null}"));
    }

    @Test
    void theSameConstraintTwiceIsOneButTwoDifferentOnesAreAnError() {
        assertEquals(StructuredOutput.jsonSchema(SCHEMA), constraint("{\"guided_json\":" + SCHEMA
            + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":"
            + "{\"properties\":{\"a\":{\"type\":\"integer\"}},\"type\":\"object\"}}}}"));
        String m = error("{\"guided_json\":" + SCHEMA + ",\"guided_regex\":\"a+\"}");
        assertTrue(m.contains("guided_json") && m.contains("guided_regex"), m);
        m = error("{\"response_format\":{\"type\":\"json_object\"},\"structured_outputs\":{\"choice\":[\"a\"]}}");
        assertTrue(m.contains("response_format (json_object)") && m.contains("structured_outputs.choice"), m);
        m = error("{\"structured_outputs\":{\"choice\":[\"a\"],\"regex\":\"b\"}}");
        assertTrue(m.contains("structured_outputs.choice") && m.contains("structured_outputs.regex"), m);
    }

    @Test
    void wrongShapesAreInvalidParams() {
        assertTrue(error("{\"guided_choice\":\"a\"}").contains("guided_choice must be a non-empty list"));
        error("{\"guided_choice\":[]}");
        error("{\"guided_choice\":[\"a\",1]}");
        error("{\"guided_choice\":[\"a\",\"\"]}");
        assertTrue(error("{\"guided_regex\":5}").contains("guided_regex"));
        error("{\"guided_regex\":\"\"}");
        error("{\"guided_json\":[1]}");
        assertTrue(error("{\"guided_json\":\"{not json\"}").contains("not JSON"));
        error("{\"guided_json\":true}");
        error("{\"response_format\":\"json_object\"}");
        error("{\"response_format\":{}}");
        assertTrue(error("{\"response_format\":{\"type\":\"yaml\"}}").contains("response_format.type"));
        assertTrue(error("{\"response_format\":{\"type\":\"json_schema\"}}").contains("response_format.json_schema"));
        assertTrue(error("{\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}}")
            .contains("schema is required"));
        error("{\"structured_outputs\":[\"a\"]}");
        error("{\"structured_outputs\":{\"json_object\":\"yes\"}}");
        assertTrue(error("{\"structured_outputs\":{\"grammar\":\"root ::= x\"}}").contains("not supported"));
        assertTrue(error("{\"structured_outputs\":{\"bogus\":1}}").contains("unknown key 'bogus'"));
        assertTrue(error("{\"guided_bogus\":1}").contains("unknown parameter"), "unknown keys: as before");
    }

    @Test
    void theJobsConstraintIsEveryRowsDefaultAndARowsOwnOverridesIt() {
        RequestParser job = new RequestParser("{\"max_tokens\":16,\"structured_outputs\":{\"choice\":[\"yes\",\"no\"]}}", null);
        assertEquals(StructuredOutput.choice(List.of("yes", "no")), constraint(job, null));
        assertEquals(StructuredOutput.choice(List.of("yes", "no")), constraint(job, "{\"temperature\":0.5}"));
        assertEquals(StructuredOutput.choice(List.of("yes", "no")), constraint(job, "{\"response_format\":{\"type\":\"text\"}}"));
        assertEquals(StructuredOutput.regex("x+"), constraint(job, "{\"guided_regex\":\"x+\"}"));
        assertEquals(StructuredOutput.jsonObject(), constraint(job, "{\"response_format\":{\"type\":\"json_object\"}}"));
    }

    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
