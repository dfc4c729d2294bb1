package io.lingspark.engine.structured;

import org.junit.jupiter.api.Test;

class JsonSchemaCompilerTest {
    private static String q(String s) {
        return s.replace('\'', '"');
    }

    private static Lang schema(String singleQuoted) {
        return Lang.schema(q(singleQuoted));
    }

    @Test
    void integerRangesAreExact() {
        schema("{'type':'integer','minimum':-15,'maximum':1234}")
                .ok("-15", "-1", "0", "7", "10", "999", "1234").bad("-16", "1235", "-0", "01", "+5", "1.0", "1e2", "")
                .prefix("-");
        schema("{'type':'integer','exclusiveMinimum':0,'exclusiveMaximum':100}").ok("1", "99").bad("0", "100", "-1");
        schema("{'type':'integer','minimum':100}").ok("100", "101", "1000", "99999999999999999999").bad("99", "-100", "0");
        schema("{'type':'integer','maximum':-100}").ok("-100", "-101", "-1000000").bad("-99", "0", "100");
        schema("{'type':'integer','minimum':-9223372036854775808,'maximum':9223372036854775807}")
                .ok("-9223372036854775808", "9223372036854775807", "0")
                .bad("-9223372036854775809", "9223372036854775808");
        schema("{'type':'integer','minimum':1.5,'maximum':3.5}").ok("2", "3").bad("1", "4");
        schema("{'type':'integer','minimum':0,'maximum':0}").ok("0").bad("-0", "1", "00");
        schema("{'type':'integer'}").ok("0", "-1", "123456789012345678901234567890").bad("-0", "007", "1.5");
        Lang.invalidSchema(q("{'type':'integer','minimum':5,'maximum':4}"), "admits no JSON value");
    }

    @Test
    void integerRangesAgainstBruteForce() {
        long[][] ranges = {{-123, 456}, {7, 7}, {-1000, -999}, {0, 10}, {95, 1005}, {-99, 99}, {-5, 1}};
        for (long[] r : ranges) {
            Lang l = schema("{'type':'integer','minimum':" + r[0] + ",'maximum':" + r[1] + "}");
            for (long v = r[0] - 120; v <= r[1] + 120; v++) {
                boolean in = v >= r[0] && v <= r[1];
                if (in) {
                    l.ok(Long.toString(v));
                } else {
                    l.bad(Long.toString(v));
                }
            }
        }
    }

    @Test
    void numbers() {
        schema("{'type':'number'}").ok("0", "-0", "1.5", "-2.25e-3", "1E10", "10").bad("01", ".5", "1.", "1e", "+1", "NaN")
                .prefix("1.", "1e", "-");
        schema("{'type':'number','minimum':0,'maximum':1}").ok("0", "1", "0.5", "1.000").bad("1.01", "-0.1", "-0", "1e0", "2");
    }

    @Test
    void stringsWithEscapesAndUtf8() {
        schema("{'type':'string'}")
                .ok("\"\"", "\"abc\"", "\"é日本語🎉\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u00e9\\uFFFF\"")
                .bad("abc", "\"a\"b\"", "\"\\x\"", "\"\\ud800\"", "\"\\uDFFF\"", "\"\n\"", "\"\u001f\"", "'a'")
                .prefix("\"", "\"abc", "\"\\", "\"\\u00", "\"日本");
    }

    @Test
    void lengthsCountCodePointsAndEscapes() {
        schema("{'type':'string','minLength':2,'maxLength':3}")
                .ok("\"ab\"", "\"abc\"", "\"日本\"", "\"🎉🎉🎉\"", "\"\\n\\u00e9x\"")
                .bad("\"a\"", "\"abcd\"", "\"🎉\"", "\"\\n\"", "\"\\n\\t\\r\\b\"");
    }

    @Test
    void patternsAreUnanchoredUnlessAnchored() {
        schema("{'type':'string','pattern':'abc'}").ok("\"abc\"", "\"xxabcyy\"", "\"é abc 🎉\"").bad("\"ab\"", "\"a\\u0062c\"");
        schema("{'type':'string','pattern':'^abc'}").ok("\"abc\"", "\"abcde\"").bad("\"xabc\"");
        schema("{'type':'string','pattern':'abc$'}").ok("\"xabc\"").bad("\"abcx\"");
        schema("{'type':'string','pattern':'^[a-z]{2,4}$','minLength':3}").ok("\"abc\"", "\"abcd\"").bad("\"ab\"", "\"abcde\"");
        // Constrained content is generated without escapes, so an escape-only character cannot appear.
        schema("{'type':'string','pattern':'^a.b$'}").ok("\"a b\"", "\"aéb\"").bad("\"a\\\"b\"", "\"a\"b\"");
        Lang.invalidSchema(q("{'type':'string','pattern':'(?=x)'}"), "lookaround", "/pattern");
    }

    @Test
    void dates() {
        Lang d = schema("{'type':'string','format':'date'}");
        d.ok("\"2024-02-29\"", "\"2000-02-29\"", "\"2023-02-28\"", "\"2023-01-31\"", "\"2023-04-30\"", "\"1996-02-29\"",
                "\"0400-02-29\"", "\"2023-12-31\"")
                .bad("\"2023-02-29\"", "\"1900-02-29\"", "\"2100-02-29\"", "\"2023-04-31\"", "\"2023-13-01\"",
                        "\"2023-00-10\"", "\"2023-01-00\"", "\"2023-01-32\"", "\"23-01-01\"", "\"2023-1-01\"")
                .prefix("\"2024-02-2", "\"2024");
        Lang dt = schema("{'type':'string','format':'date-time'}");
        dt.ok("\"2024-02-29T23:59:59Z\"", "\"2024-01-01T00:00:00.123+05:30\"", "\"2024-01-01T12:00:00-08:00\"")
                .bad("\"2024-01-01T24:00:00Z\"", "\"2024-01-01T12:00:00\"", "\"2024-01-01 12:00:00Z\"",
                        "\"2023-02-29T00:00:00Z\"", "\"2024-01-01T12:60:00Z\"");
        schema("{'type':'string','format':'time'}").ok("\"08:30:00Z\"", "\"23:59:59.5+01:00\"").bad("\"8:30:00Z\"", "\"08:30\"");
    }

    @Test
    void otherFormats() {
        schema("{'type':'string','format':'uuid'}").ok("\"123e4567-e89b-12d3-a456-426614174000\"")
                .bad("\"123e4567e89b12d3a456426614174000\"", "\"123e4567-e89b-12d3-a456-42661417400g\"");
        schema("{'type':'string','format':'ipv4'}").ok("\"192.168.0.1\"", "\"0.0.0.0\"", "\"255.255.255.255\"")
                .bad("\"256.1.1.1\"", "\"01.1.1.1\"", "\"1.1.1\"");
        schema("{'type':'string','format':'email'}").ok("\"john.doe+x@example.com\"", "\"a@b.io\"")
                .bad("\"a@b\"", "\"@b.com\"", "\"a..b@c.com\"", "\"a b@c.com\"");
        Lang.invalidSchema(q("{'type':'string','format':'hostname'}"), "unsupported format", "hostname", "/format");
    }

    @Test
    void enumAndConstOfAnyJson() {
        schema("{'enum':['red','日本',1,null,true,{'a':[1,2]},[]]}")
                .ok("\"red\"", "\"日本\"", "1", "null", "true", "{\"a\":[1,2]}", "[]")
                .bad("red", "\"blue\"", "2", "false", "{\"a\":[1]}");
        schema("{'type':'string','enum':['a','b',3]}").ok("\"a\"", "\"b\"").bad("3");
        schema("{'const':'x\\\"y'}").ok("\"x\\\"y\"").bad("\"xy\"");
        schema("{'const':1.5}").ok("1.5").bad("1.50");
    }

    @Test
    void booleanNullAndTypeUnions() {
        schema("{'type':'boolean'}").ok("true", "false").bad("True", "1", "null").prefix("tr");
        schema("{'type':'null'}").ok("null").bad("nil");
        schema("{'type':['string','null']}").ok("\"a\"", "null").bad("1");
        schema("{'type':'integer','nullable':true,'maximum':3}").ok("3", "null").bad("4");
    }

    @Test
    void objectsInDeclaredOrderWithExactCommas() {
        Lang l = schema("{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'string'},"
                + "'c':{'type':'boolean'},'d':{'type':'null'}},'required':['b','d'],'additionalProperties':false}");
        l.ok("{\"b\":\"x\",\"d\":null}", "{\"a\":1,\"b\":\"x\",\"d\":null}", "{\"b\":\"x\",\"c\":true,\"d\":null}",
                        "{\"a\":1,\"b\":\"x\",\"c\":false,\"d\":null}", "{ \"a\" : 1 , \"b\" : \"\" , \"d\" : null }")
                .bad("{\"d\":null,\"b\":\"x\"}", "{\"b\":\"x\"}", "{\"b\":\"x\",,\"d\":null}", "{,\"b\":\"x\",\"d\":null}",
                        "{\"b\":\"x\",\"d\":null,}", "{\"a\":1\"b\":\"x\",\"d\":null}", "{\"b\":\"x\",\"d\":null,\"e\":1}",
                        "{}", "{\"a\":1,\"a\":1,\"b\":\"x\",\"d\":null}")
                .prefix("{\"a\":1,", "{\"b\":\"x\"");
        schema("{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'integer'},'c':{'type':'integer'}}}")
                .ok("{}", "{\"a\":1}", "{\"b\":1}", "{\"c\":1}", "{\"a\":1,\"b\":2}", "{\"a\":1,\"c\":2}", "{\"b\":1,\"c\":2}",
                        "{\"a\":1,\"b\":2,\"c\":3}")
                .bad("{,}", "{\"a\":1,}", "{,\"b\":1}", "{\"a\":1,,\"c\":2}", "{\"b\":1,\"a\":2}");
    }

    @Test
    void manyOptionalPropertiesStayPolynomial() {
        StringBuilder props = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            props.append(i == 0 ? "" : ",").append("'p").append(i).append("':{'type':'integer'}");
        }
        Lang l = schema("{'type':'object','properties':{" + props + "}}");
        l.ok("{}", "{\"p0\":1}", "{\"p39\":1}", "{\"p3\":1,\"p17\":2,\"p39\":3}").bad("{\"p17\":1,\"p3\":2}");
    }

    @Test
    void keysAreJsonEncoded() {
        schema("{'type':'object','properties':{'a\\\"b':{'type':'integer'},'é/~':{'type':'integer'},'\\n':{'type':'null'}},"
                + "'required':['a\\\"b','é/~','\\n']}")
                .ok("{\"a\\\"b\":1,\"é/~\":2,\"\\n\":null}").bad("{\"a\"b\":1,\"é/~\":2,\"\\n\":null}");
    }

    @Test
    void openObjectsAndRequiredUndeclared() {
        schema("{'type':'object'}").ok("{}", "{\"x\":[1,{\"y\":null}]}").bad("[]");
        schema("{'type':'object','additionalProperties':{'type':'integer'}}").ok("{}", "{\"x\":1,\"y\":2}").bad("{\"x\":\"s\"}");
        schema("{'type':'object','additionalProperties':false}").ok("{}", "{ }").bad("{\"x\":1}");
        schema("{'type':'object','properties':{'a':{'type':'integer'}},'required':['a','z']}")
                .ok("{\"a\":1,\"z\":[true]}").bad("{\"a\":1}");
        Lang.invalidSchema(q("{'type':'object','properties':{'a':{'type':'integer'}},'required':['z'],"
                + "'additionalProperties':false}"), "admits no JSON value");
    }

    @Test
    void arrays() {
        schema("{'type':'array','items':{'type':'integer'},'minItems':1,'maxItems':3}")
                .ok("[1]", "[1,2,3]", "[ 1 , 2 ]").bad("[]", "[1,2,3,4]", "[1,]", "[,1]", "[\"a\"]").prefix("[1,", "[");
        schema("{'type':'array','items':{'type':'string'}}").ok("[]", "[\"a\",\"b\"]");
        schema("{'type':'array','minItems':2}").ok("[1,{\"a\":[]}]").bad("[1]");
        schema("{'type':'array','maxItems':0}").ok("[]").bad("[1]");
    }

    @Test
    void anyOfOneOfAllOf() {
        schema("{'anyOf':[{'type':'integer'},{'type':'string','maxLength':1}]}").ok("1", "\"a\"").bad("\"ab\"");
        schema("{'oneOf':[{'type':'integer'},{'type':'null'}]}").ok("1", "null");
        Lang.invalidSchema(q("{'oneOf':[{'type':'integer'},{'type':'integer','minimum':0}]}"), "oneOf", "overlapping");
        schema("{'allOf':[{'type':'integer','maximum':2}]}").ok("2").bad("3");
        Lang.invalidSchema(q("{'allOf':[{'type':'integer'},{'minimum':0}]}"), "allOf", "exactly one");
    }

    @Test
    void refsAndDefinitions() {
        schema("{'$defs':{'Pos':{'type':'integer','minimum':1}},'type':'object','properties':{'n':{'$ref':'#/$defs/Pos'},"
                + "'m':{'$ref':'#/definitions/a~1b'}},'definitions':{'a/b':{'type':'null'}},'required':['n','m']}")
                .ok("{\"n\":5,\"m\":null}").bad("{\"n\":0,\"m\":null}");
        Lang.invalidSchema(q("{'$ref':'#/$defs/Missing'}"), "points to nothing", "/$ref");
        Lang.invalidSchema(q("{'$ref':'http://example.com/s.json'}"), "unsupported $ref");
    }

    @Test
    void recursiveSchemasUnrollToTheRefDepth() {
        String list = "{'$defs':{'node':{'type':'object','properties':{'v':{'type':'integer'},"
                + "'next':{'anyOf':[{'$ref':'#/$defs/node'},{'type':'null'}]}},'required':['v','next'],"
                + "'additionalProperties':false}},'$ref':'#/$defs/node'}";
        Lang l = schema(list);
        StringBuilder ok = new StringBuilder("null");
        for (int depth = 1; depth <= GrammarCompiler.MAX_REF_DEPTH; depth++) {
            ok.insert(0, "{\"v\":" + depth + ",\"next\":").append('}');
            l.ok(ok.toString());
        }
        l.bad("{\"v\":0,\"next\":" + ok + "}");

        Lang tree = schema("{'type':'object','properties':{'name':{'type':'string'},'children':{'type':'array',"
                + "'items':{'$ref':'#'}}},'required':['name']}");
        tree.ok("{\"name\":\"a\"}", "{\"name\":\"a\",\"children\":[]}",
                "{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{\"name\":\"c\"}]}]}");

        Lang.invalidSchema(q("{'$defs':{'n':{'type':'object','properties':{'next':{'$ref':'#/$defs/n'}},"
                + "'required':['next']}},'$ref':'#/$defs/n'}"), "no finite JSON value", "depth");
    }

    @Test
    void trueAndFalseSchemas() {
        schema("true").ok("1", "\"s\"", "{\"a\":[null]}");
        int inner = GrammarCompiler.MAX_ANY_DEPTH - 1;
        schema("{}").ok("1", "[]", "[".repeat(inner) + "]".repeat(inner)).bad("[".repeat(inner + 1) + "]".repeat(inner + 1));
        Lang.invalidSchema("false", "'false'");
    }

    @Test
    void annotationsAreIgnoredAndEverythingElseIsRejectedByName() {
        schema("{'title':'T','description':'D','$schema':'https://json-schema.org/draft/2020-12/schema','$id':'x',"
                + "'$comment':'c','default':1,'examples':[1],'readOnly':true,'writeOnly':false,'deprecated':false,"
                + "'type':'integer'}").ok("1");
        for (String kw : new String[] {"multipleOf", "patternProperties", "uniqueItems", "prefixItems", "not", "if",
                "minProperties", "contains", "dependentRequired", "propertyNames", "unevaluatedProperties"}) {
            Lang.invalidSchema(q("{'type':'object','properties':{'x':{'" + kw + "':1}}}"),
                    "unsupported JSON Schema keyword '" + kw + "'", "/properties/x");
        }
        Lang.invalidSchema(q("{'type':'object','properties':{'a':{'type':'integer'}},'additionalProperties':{'not':{}}}"),
                "unsupported JSON Schema keyword 'not'", "/additionalProperties");
        Lang.invalidSchema(q("{'$defs':{'D':{'type':'string','contentEncoding':'base64'}},'$ref':'#/$defs/D'}"),
                "unsupported JSON Schema keyword 'contentEncoding'", "/$defs/D");
        Lang.invalidSchema(q("{'type':'strin'}"), "type");
        Lang.invalidSchema("{not json", "not valid JSON");
        Lang.invalidSchema("{} {}", "not valid JSON");
        Lang.invalidSchema(q("{'type':'integer','exclusiveMinimum':true}"), "exclusiveMinimum");
    }

    @Test
    void documentHasNoOuterWhitespaceAndBoundedInnerWhitespace() {
        String ws16 = " ".repeat(GrammarCompiler.MAX_WS);
        Lang l = schema("{'type':'object','properties':{'a':{'type':'array','items':{'type':'integer'}}},'required':['a']}");
        l.ok("{" + ws16 + "\"a\"" + ws16 + ":" + ws16 + "[" + ws16 + "1" + ws16 + "," + ws16 + "2" + ws16 + "]"
                        + ws16 + "}")
                .bad("{" + ws16 + " \"a\":[]}", "{\"a\":[]" + ws16 + " }", " {\"a\":[]}", "{\"a\":[]} ",
                        "{\"a\":[1 " + ws16 + ",2]}");
    }
}
