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
        assertEquals(ErrorCode.BAD_JSON, corrupt.errorCode());
        assertTrue(corrupt.errorMessage().startsWith("the row is not valid JSON"), corrupt.errorMessage());
        assertEquals("the row is a JSON array, not an object", parser.parse("r", null, null, null, null, "[1]").errorMessage());
        assertEquals(ErrorCode.BAD_JSON, parser.parse("r", null, null, null, null, "{\"a\": 1} x").errorCode());
    }

    @Test
    void wholeFloatsAreIntegersAndNothingElseIs() {
        assertEquals(8, parse("x", null, null, "{\"max_tokens\": 8.0}").request().params().maxTokens());
        assertEquals(2, parse("x", null, null, "{\"n\": 2.0, \"top_k\": 5.0}").request().params().n());
        assertEquals(7L, parse("x", null, null, "{\"seed\": 7.0}").request().params().seed());
        assertEquals(List.of(3, 4), parse("x", null, null, "{\"stop_token_ids\": [3.0, 4]}").request().params().stopTokenIds());
        for (String bad : List.of("8.5", "1e30", "-1e300", "\"8\"", "true", "[8]", "2147483648", "1e10")) {
            RequestParser.Parsed p = parse("x", null, null, "{\"max_tokens\": " + bad + "}");
            assertEquals(ErrorCode.INVALID_PARAMS, p.errorCode(), bad);
            assertTrue(p.errorMessage().startsWith("max_tokens must be an integer"), p.errorMessage());
        }
        assertEquals(ErrorCode.INVALID_PARAMS, parse("x", null, null, "{\"seed\": 0.5}").errorCode());
        assertEquals(ErrorCode.INVALID_PARAMS, parse("x", null, null, "{\"seed\": 1e19}").errorCode());
    }

    @Test
    void textContentPartsAreJoinedAsVllmDoesAndOtherPartsAreErrors() {
        GenerationRequest r = parse(null, "[{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"be brief\"}]},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}]",
            null, null).request();
        assertEquals("be brief", r.messages().get(0).get("content"));
        assertEquals("a\nb", r.messages().get(1).get("content"));
        RequestParser.Parsed image = parse(null, "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://x/y.png\"}}]}]", null, null);
        assertEquals(ErrorCode.BAD_MESSAGES, image.errorCode());
        assertTrue(image.errorMessage().contains("'image_url'"), image.errorMessage());
        for (String content : List.of("[\"plain\"]", "[{\"type\":\"text\"}]", "[{\"text\":\"x\"}]", "{\"text\":\"x\"}", "5")) {
            RequestParser.Parsed p = parse(null, "[{\"role\":\"user\",\"content\":" + content + "}]", null, null);
            assertEquals(ErrorCode.BAD_MESSAGES, p.errorCode(), content);
        }
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
