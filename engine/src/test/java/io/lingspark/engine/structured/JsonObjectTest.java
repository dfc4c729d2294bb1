package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class JsonObjectTest {
    private static final Lang OBJ = Lang.of(StructuredOutput.jsonObject());

    @Test
    void anyObjectWithNestedValues() {
        OBJ.ok("{}", "{ }", "{\"a\":1}", "{\"a\":-1.5e+3,\"b\":\"x\",\"c\":true,\"d\":false,\"e\":null}",
                        "{\"a\":[1,[2,{\"b\":[]}]],\"c\":{\"d\":{}}}", "{\"é\":\"日本語🎉\",\"k\":\"\\u00e9\\n\\\"\"}",
                        "{\n  \"a\": [\n    1,\n    2\n  ]\n}")
                .bad("[]", "1", "\"a\"", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":01}", "{\"a\":-0.}",
                        "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\u0001\"}", " {}", "{} ", "{'a':1}")
                .prefix("{", "{\"a\"", "{\"a\":", "{\"a\":[1,", "{\"a\":\"\\u00", "{\"a\":1");
    }

    @Test
    void nestingIsBoundedAtMaxAnyDepth() {
        int d = GrammarCompiler.MAX_ANY_DEPTH;
        // The top-level object is one level; d - 1 more fit inside it.
        String ok = "{\"a\":" + "[".repeat(d - 1) + "]".repeat(d - 1) + "}";
        String tooDeep = "{\"a\":" + "[".repeat(d) + "]".repeat(d) + "}";
        OBJ.ok(ok).bad(tooDeep);
    }

    @Test
    void whitespaceIsBoundedPerGap() {
        String ws16 = " ".repeat(GrammarCompiler.MAX_WS);
        OBJ.ok("{" + ws16 + "}", "{" + ws16 + "\"a\"" + ws16 + ":" + ws16 + "1" + ws16 + "}",
                "{\"a\":[" + ws16 + "1" + ws16 + "," + ws16 + "2" + ws16 + "]}", "{\t\n \"a\":1}")
                .bad("{" + ws16 + " }", "{\"a\":" + ws16 + " 1}", "{\"a\":[1" + ws16 + " ]}", "{\r\"a\":1}");
    }

    @Test
    void compiledOnceAndShared() {
        assertSame(GrammarCompiler.compile(StructuredOutput.jsonObject()), OBJ.automaton);
    }
}
