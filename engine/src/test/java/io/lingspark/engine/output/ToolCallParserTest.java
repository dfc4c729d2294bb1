package io.lingspark.engine.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.output.ToolCall;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ToolCallParserTest {
    private static String block(String json) {
        return "<tool_call>\n" + json + "\n</tool_call>";
    }

    @Test
    void noCallsLeavesTextUntouched() {
        ParsedToolCalls p = ToolCallParser.parse("  just an answer\n");
        assertEquals("  just an answer\n", p.content());
        assertTrue(p.toolCalls().isEmpty());
        assertNull(p.parseError());
    }

    @Test
    void singleCallWithTextBefore() {
        ParsedToolCalls p = ToolCallParser.parse("Let me look.\n" + block("{\"name\": \"search\", \"arguments\": {\"query\": \"latest news about AI\"}}"));
        assertEquals("Let me look.", p.content());
        assertEquals(1, p.toolCalls().size());
        ToolCall c = p.toolCalls().get(0);
        assertEquals("search", c.name());
        assertEquals("{\"query\":\"latest news about AI\"}", c.arguments());
        assertTrue(c.id().matches("call_[0-9a-f]{24}"), c.id());
        assertNull(p.parseError());
    }

    @Test
    void severalCallsAndTextBetweenAndAfter() {
        String t = "A " + block("{\"name\": \"f\", \"arguments\": {\"x\": 1}}") + "\n middle "
            + block("{\"name\": \"g\", \"arguments\": {}}") + "\n" + block("{\"name\": \"h\", \"arguments\": {\"y\": [1, 2]}}") + " tail";
        ParsedToolCalls p = ToolCallParser.parse(t);
        assertEquals(3, p.toolCalls().size());
        assertEquals("f", p.toolCalls().get(0).name());
        assertEquals("g", p.toolCalls().get(1).name());
        assertEquals("{}", p.toolCalls().get(1).arguments());
        assertEquals("{\"y\":[1,2]}", p.toolCalls().get(2).arguments());
        assertEquals("A \n middle \n tail", p.content());
        Set<String> ids = new HashSet<>();
        p.toolCalls().forEach(c -> ids.add(c.id()));
        assertEquals(3, ids.size());
    }

    @Test
    void bracesEscapedQuotesAndUnicodeInsideStrings() throws Exception {
        String args = "{\"code\": \"if (a) { b(\\\"}\\\"); }\", \"city\": \"北京 🚀\", \"nested\": {\"k\": \"</tool_call>\"}}";
        ParsedToolCalls p = ToolCallParser.parse(block("{\"name\": \"run\", \"arguments\": " + args + "}"));
        assertNull(p.parseError());
        assertEquals(1, p.toolCalls().size(), p.content());
        var m = new ObjectMapper();
        assertEquals(m.readTree(args), m.readTree(p.toolCalls().get(0).arguments()));
        assertTrue(p.toolCalls().get(0).arguments().contains("北京 🚀"), "non-ASCII kept verbatim");
        assertEquals("", p.content());
    }

    @Test
    void stringArgumentsHoldingJsonAreKept() {
        ParsedToolCalls p = ToolCallParser.parse(block("{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}"));
        assertEquals("{\"a\": 1}", p.toolCalls().get(0).arguments());
    }

    @Test
    void invalidJsonStaysInContentWithError() {
        String bad = block("{\"name\": \"f\", \"arguments\": {\"a\": }");
        String good = block("{\"name\": \"g\", \"arguments\": {}}");
        ParsedToolCalls p = ToolCallParser.parse("x " + bad + "\n" + good);
        assertEquals(1, p.toolCalls().size());
        assertEquals("g", p.toolCalls().get(0).name());
        assertTrue(p.content().contains(bad), p.content());
        assertNotNull(p.parseError());
        assertTrue(p.parseError().contains("invalid JSON"), p.parseError());
    }

    @Test
    void missingNameAndBadArgumentsAreErrors() {
        ParsedToolCalls p = ToolCallParser.parse(block("{\"arguments\": {}}"));
        assertTrue(p.toolCalls().isEmpty());
        assertTrue(p.parseError().contains("name"), p.parseError());
        ParsedToolCalls q = ToolCallParser.parse(block("{\"name\": \"f\", \"arguments\": 3}"));
        assertTrue(q.toolCalls().isEmpty());
        assertTrue(q.parseError().contains("arguments"), q.parseError());
        ParsedToolCalls r = ToolCallParser.parse(block("[1, 2]"));
        assertNotNull(r.parseError());
    }

    @Test
    void unterminatedBlockStaysAsText() {
        String t = "Sure " + block("{\"name\": \"f\", \"arguments\": {}}") + "\n<tool_call>\n{\"name\": \"g\", \"argu";
        ParsedToolCalls p = ToolCallParser.parse(t);
        assertEquals(1, p.toolCalls().size());
        assertTrue(p.content().endsWith("<tool_call>\n{\"name\": \"g\", \"argu"), p.content());
        assertNull(p.parseError());
        ParsedToolCalls only = ToolCallParser.parse("<tool_call>");
        assertEquals("<tool_call>", only.content());
        assertTrue(only.toolCalls().isEmpty());
    }

    @Test
    void idsAreUniqueAcrossResults() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            ids.add(ToolCallParser.parse(block("{\"name\": \"f\", \"arguments\": {}}")).toolCalls().get(0).id());
        }
        assertEquals(2000, ids.size());
        assertNotEquals(ToolCallParser.nextId(), ToolCallParser.nextId());
    }

    @Test
    void neverThrowsOnGarbage() {
        String[] inputs = {null, "", "<tool_call></tool_call>", "</tool_call><tool_call>", "<tool_call>\n\u0000\n</tool_call>",
            "<tool_call><tool_call>{}</tool_call></tool_call>", block("{\"name\": \"f\"} extra")};
        for (String s : inputs) {
            ParsedToolCalls p = ToolCallParser.parse(s);
            assertNotNull(p.content());
        }
        assertNotNull(ToolCallParser.parse(block("{\"name\": \"f\"} extra")).parseError(), "trailing tokens are invalid");
    }
}
