package io.lingspark.jobs.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestParserTest {
    private final RequestParser parser = new RequestParser("{\"max_tokens\":16,\"temperature\":0.0}", null);

    private RequestParser.Parsed parse(String prompt, String messages, String tools, String params) {
        return parser.parse("r1", prompt, messages, tools, params, null);
    }

    @Test
    void promptRowsUseTheDefaultsAndRowParamsOverrideThem() {
        GenerationRequest r = parse("hello", null, null, null).request();
        assertEquals("hello", r.prompt());
        assertEquals(16, r.params().maxTokens());
        assertEquals(0.0, r.params().temperature());
        GenerationRequest o = parse("hello", null, null, "{\"max_tokens\": 3, \"stop\": \"\\n\", \"n\": 2}").request();
        assertEquals(3, o.params().maxTokens());
        assertEquals(List.of("\n"), o.params().stop());
        assertEquals(2, o.params().n());
    }

    @Test
    void messagesAndToolsBecomeJsonShapedValues() {
        GenerationRequest r = parse(null, "[{\"role\":\"user\",\"content\":\"hi\"}]",
            "[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]", null).request();
        assertNull(r.prompt());
        assertEquals("hi", r.messages().get(0).get("content"));
        assertEquals("function", r.tools().get(0).get("type"));
    }

    @Test
    void everyBadRowKindIsATypedError() {
        assertEquals(ErrorCode.EMPTY_PROMPT, parse(null, null, null, null).errorCode());
        assertEquals(ErrorCode.EMPTY_PROMPT, parse("", null, null, null).errorCode());
        assertEquals(ErrorCode.EMPTY_PROMPT, parse(null, "[]", null, null).errorCode());
        assertEquals(ErrorCode.BAD_MESSAGES, parse(null, "[{\"role\":\"user\",", null, null).errorCode());
        assertEquals(ErrorCode.BAD_MESSAGES, parse(null, "{\"role\":\"user\"}", null, null).errorCode());
        assertEquals(ErrorCode.BAD_MESSAGES, parse(null, "[{\"content\":\"x\"}]", null, null).errorCode());
        assertEquals(ErrorCode.UNKNOWN_ROLE, parse(null, "[{\"role\":\"wizard\",\"content\":\"x\"}]", null, null).errorCode());
        assertEquals(ErrorCode.BAD_MESSAGES, parse(null, "[{\"role\":\"user\",\"content\":\"x\"}]", "{}", null).errorCode());
        assertEquals(ErrorCode.INVALID_PARAMS, parse("x", null, null, "{\"temperature\": -1}").errorCode());
        assertEquals(ErrorCode.INVALID_PARAMS, parse("x", null, null, "{\"max_tokens\": \"many\"}").errorCode());
        assertEquals(ErrorCode.INVALID_PARAMS, parse("x", null, null, "{\"bogus\": 1}").errorCode());
        assertEquals(ErrorCode.INVALID_PARAMS, parse("x", null, null, "not json").errorCode());
        assertEquals(ErrorCode.INVALID_PARAMS, parse("x", null, null, "[1]").errorCode());
        RequestParser.Parsed corrupt = parser.parse("r", null, null, null, null, "{oops");
        assertEquals(ErrorCode.BAD_MESSAGES, corrupt.errorCode());
        assertNotNull(corrupt.errorMessage());
    }

    @Test
    void jobSeedGivesEachRowItsOwnStableSeed() {
        RequestParser seeded = new RequestParser("{}", 42L);
        Long a = seeded.parse("a", "p", null, null, null, null).request().params().seed();
        Long b = seeded.parse("b", "p", null, null, null, null).request().params().seed();
        assertEquals(a, seeded.parse("a", "q", null, null, null, null).request().params().seed());
        assertNotEquals(a, b);
        assertEquals(7L, seeded.parse("a", "p", null, null, "{\"seed\":7}", null).request().params().seed());
        assertTrue(a >= 0);
    }

    @Test
    void errorMessagesDoNotCarryLongRowData() {
        String longRole = "r".repeat(500);
        String m = parse(null, "[{\"role\":\"" + longRole + "\"}]", null, null).errorMessage();
        assertTrue(m.length() < 200, m);
        assertThrows(IllegalArgumentException.class, () -> InputFormat.parse("xml"));
    }
}
