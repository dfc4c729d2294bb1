package io.lingspark.engine.structured;

import static io.lingspark.engine.structured.GrammarCompiler.invalid;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * JSON Schema (the OpenAI strict-mode subset and a little more) to the language of JSON texts the
 * schema accepts, or a subset of it: only declared properties are generated, in declared order; formats
 * and number ranges are the exact or conservative forms of {@link Formats} and {@link IntegerRanges}.
 * Every keyword is either applied, a known annotation, or rejected: nothing is silently ignored.
 *
 * <p>Each subschema is minimized as soon as it is built, so a parent copies small deterministic pieces.
 * Recursive $refs unroll {@link GrammarCompiler#MAX_REF_DEPTH} times along a path; beyond that the
 * reference is the empty language, which the parent's optional or alternative branches absorb.
 */
final class JsonSchemaCompiler {
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment",
            "default", "examples", "readOnly", "writeOnly", "deprecated", "$defs", "definitions");
    private static final Set<String> OBJECT_KW = Set.of("properties", "required", "additionalProperties");
    private static final Set<String> ARRAY_KW = Set.of("items", "minItems", "maxItems");
    private static final Set<String> STRING_KW = Set.of("pattern", "minLength", "maxLength", "format");
    private static final Set<String> NUMBER_KW = Set.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
    private static final Set<String> OTHER_KW = Set.of("type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref",
            "nullable");
    private static final List<String> TYPES = List.of("null", "boolean", "object", "array", "number", "string",
            "integer");

    private final ObjectMapper mapper = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private JsonNode root;
    /** Expansions of each $ref target on the current path. */
    private final Map<String, Integer> refDepth = new TreeMap<>();
    private final Map<String, Automaton> refMemo = new HashMap<>();
    private boolean refLimitHit;
    /** Automata known to be minimal already (by identity): minimizing one again costs a full pass. */
    private final Set<Automaton> minimal = Collections.newSetFromMap(new IdentityHashMap<>());

    private JsonSchemaCompiler() {
    }

    static Automaton compile(String schemaJson) {
        JsonSchemaCompiler c = new JsonSchemaCompiler();
        try {
            c.root = c.mapper.readTree(schemaJson);
        } catch (JsonProcessingException e) {
            throw invalid("json_schema: not valid JSON: " + e.getOriginalMessage());
        }
        if (c.root == null || c.root.isMissingNode()) {
            throw invalid("json_schema: empty schema text");
        }
        Automaton a = c.schema(c.root, "");
        if (Operations.isEmpty(a)) {
            throw invalid(c.refLimitHit
                    ? "json_schema: the schema admits no finite JSON value within $ref depth "
                            + GrammarCompiler.MAX_REF_DEPTH
                    : "json_schema: the schema admits no JSON value");
        }
        return a;
    }

    private Automaton schema(JsonNode node, String path) {
        if (node.isBoolean()) {
            if (!node.booleanValue()) {
                throw invalid("json_schema: schema 'false' at " + at(path) + " admits nothing");
            }
            return known(JsonGrammar.anyValue(GrammarCompiler.MAX_ANY_DEPTH - 1));
        }
        if (!node.isObject()) {
            throw invalid("json_schema: a schema must be an object or a boolean at " + at(path));
        }
        boolean typeish = false;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (OBJECT_KW.contains(k) || ARRAY_KW.contains(k) || STRING_KW.contains(k) || NUMBER_KW.contains(k)
                    || k.equals("type")) {
                typeish = true;
            } else if (!ANNOTATIONS.contains(k) && !OTHER_KW.contains(k)) {
                throw invalid("json_schema: unsupported JSON Schema keyword '" + k + "' at " + at(path));
            }
        }
        List<Automaton> parts = new ArrayList<>();
        if (node.has("$ref")) {
            parts.add(ref(node.get("$ref"), path + "/$ref"));
        }
        if (node.has("enum")) {
            JsonNode e = node.get("enum");
            if (!e.isArray() || e.isEmpty()) {
                throw invalid("json_schema: 'enum' must be a non-empty array at " + at(path));
            }
            List<Automaton> alts = new ArrayList<>();
            e.forEach(v -> alts.add(Automata.makeString(compact(v))));
            parts.add(Operations.union(alts));
        }
        if (node.has("const")) {
            parts.add(Automata.makeString(compact(node.get("const"))));
        }
        if (node.has("anyOf")) {
            parts.add(Operations.union(branches(node, "anyOf", path)));
        }
        if (node.has("oneOf")) {
            List<Automaton> bs = branches(node, "oneOf", path);
            for (int i = 0; i < bs.size(); i++) {
                for (int j = i + 1; j < bs.size(); j++) {
                    if (!Operations.isEmpty(Operations.intersection(bs.get(i), bs.get(j)))) {
                        throw invalid("json_schema: 'oneOf' at " + at(path) + " has overlapping branches " + i
                                + " and " + j + " (only pairwise disjoint branches are supported)");
                    }
                }
            }
            parts.add(Operations.union(bs));
        }
        if (node.has("allOf")) {
            JsonNode all = node.get("allOf");
            if (!all.isArray() || all.size() != 1) {
                throw invalid("json_schema: 'allOf' at " + at(path) + " is supported with exactly one schema");
            }
            parts.add(schema(all.get(0), path + "/allOf/0"));
        }
        if (typeish || parts.isEmpty()) {
            parts.add(typed(node, path));
        }
        Automaton a = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            a = Operations.intersection(min(a, path), min(parts.get(i), path));
        }
        if (node.has("nullable")) {
            JsonNode n = node.get("nullable");
            if (!n.isBoolean()) {
                throw invalid("json_schema: 'nullable' must be a boolean at " + at(path));
            }
            if (n.booleanValue()) {
                a = Operations.union(a, JsonGrammar.nul());
            }
        }
        return min(a, path);
    }

    private Automaton min(Automaton a, String path) {
        if (minimal.contains(a)) {
            return a;
        }
        Automaton m = GrammarCompiler.minimize(a, at(path));
        minimal.add(m);
        return m;
    }

    private Automaton known(Automaton minimalAlready) {
        minimal.add(minimalAlready);
        return minimalAlready;
    }

    private List<Automaton> branches(JsonNode node, String kw, String path) {
        JsonNode bs = node.get(kw);
        if (!bs.isArray() || bs.isEmpty()) {
            throw invalid("json_schema: '" + kw + "' must be a non-empty array at " + at(path));
        }
        List<Automaton> out = new ArrayList<>();
        for (int i = 0; i < bs.size(); i++) {
            out.add(schema(bs.get(i), path + "/" + kw + "/" + i));
        }
        return out;
    }

    /** The type keywords; without 'type', the types whose keywords appear (or any value if none do). */
    private Automaton typed(JsonNode node, String path) {
        Set<String> types = new LinkedHashSet<>();
        JsonNode t = node.get("type");
        if (t != null) {
            for (JsonNode e : t.isArray() ? t : List.of(t)) {
                if (!e.isTextual() || !TYPES.contains(e.textValue())) {
                    throw invalid("json_schema: unsupported 'type' " + e + " at " + at(path));
                }
                types.add(e.textValue());
            }
            if (types.isEmpty()) {
                throw invalid("json_schema: empty 'type' array at " + at(path));
            }
        } else {
            node.fieldNames().forEachRemaining(k -> {
                if (OBJECT_KW.contains(k)) {
                    types.add("object");
                } else if (ARRAY_KW.contains(k)) {
                    types.add("array");
                } else if (STRING_KW.contains(k)) {
                    types.add("string");
                } else if (NUMBER_KW.contains(k)) {
                    types.add("number");
                }
            });
            if (types.isEmpty()) {
                return known(JsonGrammar.anyValue(GrammarCompiler.MAX_ANY_DEPTH - 1));
            }
        }
        List<Automaton> alts = new ArrayList<>();
        for (String type : types) {
            alts.add(switch (type) {
                case "null" -> JsonGrammar.nul();
                case "boolean" -> JsonGrammar.bool();
                case "integer" -> IntegerRanges.range(
                        IntegerRanges.lower(decimal(node, "minimum", path), decimal(node, "exclusiveMinimum", path)),
                        IntegerRanges.upper(decimal(node, "maximum", path), decimal(node, "exclusiveMaximum", path)));
                case "number" -> number(node, path);
                case "string" -> string(node, path);
                case "array" -> array(node, path);
                default -> object(node, path);
            });
        }
        return alts.size() == 1 ? alts.get(0) : Operations.union(alts);
    }

    private Automaton number(JsonNode node, String path) {
        BigDecimal min = decimal(node, "minimum", path);
        BigDecimal exclusiveMin = decimal(node, "exclusiveMinimum", path);
        BigDecimal max = decimal(node, "maximum", path);
        BigDecimal exclusiveMax = decimal(node, "exclusiveMaximum", path);
        if (min == null && exclusiveMin == null && max == null && exclusiveMax == null) {
            return JsonGrammar.number();
        }
        return NumberRanges.range(min, exclusiveMin, max, exclusiveMax);
    }

    private Automaton string(JsonNode node, String path) {
        int min = count(node, "minLength", path, 0);
        int max = count(node, "maxLength", path, -1);
        Automaton content = null;
        if (node.has("format")) {
            JsonNode f = node.get("format");
            content = f.isTextual() ? Formats.content(f.textValue()) : null;
            if (content == null) {
                throw invalid("json_schema: unsupported format " + f + " at " + at(path + "/format"));
            }
        }
        if (node.has("pattern")) {
            JsonNode p = node.get("pattern");
            if (!p.isTextual()) {
                throw invalid("json_schema: 'pattern' must be a string at " + at(path));
            }
            Automaton lang = RegexTranslator.translate(p.textValue(), RegexTranslator.Mode.SEARCH,
                    "pattern at " + at(path + "/pattern"));
            content = content == null ? lang : Operations.intersection(content, lang);
        }
        if (content == null) {
            return JsonGrammar.string(min, max);
        }
        // Constrained content is generated without escapes, so it must consist of characters that need none.
        Automaton safe = max == -1 ? Operations.repeat(JsonGrammar.SAFE.toAutomaton(), min)
                : Operations.repeat(JsonGrammar.SAFE.toAutomaton(), min, max);
        content = Operations.intersection(GrammarCompiler.minimize(content, at(path)),
                GrammarCompiler.minimize(safe, at(path)));
        return JsonGrammar.quoted(content);
    }

    private Automaton array(JsonNode node, String path) {
        int min = count(node, "minItems", path, 0);
        int max = count(node, "maxItems", path, -1);
        JsonNode items = node.get("items");
        Automaton item;
        if (items == null) {
            item = JsonGrammar.anyValue(GrammarCompiler.MAX_ANY_DEPTH - 1);
        } else if (items.isBoolean() && !items.booleanValue()) {
            max = 0;
            item = Automata.makeEmpty();
        } else if (items.isArray()) {
            throw invalid("json_schema: unsupported tuple form of 'items' (an array) at " + at(path));
        } else {
            item = schema(items, path + "/items");
        }
        if (max != -1 && max < min) {
            return Automata.makeEmpty();
        }
        if (Operations.isEmpty(item)) {
            max = 0;
        }
        if (max == 0 && min > 0) {
            return Automata.makeEmpty();
        }
        return JsonGrammar.array(item, min, max);
    }

    private Automaton object(JsonNode node, String path) {
        JsonNode props = node.get("properties");
        if (props != null && !props.isObject()) {
            throw invalid("json_schema: 'properties' must be an object at " + at(path));
        }
        Set<String> required = new LinkedHashSet<>();
        JsonNode req = node.get("required");
        if (req != null) {
            if (!req.isArray()) {
                throw invalid("json_schema: 'required' must be an array at " + at(path));
            }
            for (JsonNode r : req) {
                if (!r.isTextual()) {
                    throw invalid("json_schema: 'required' must list strings at " + at(path));
                }
                required.add(r.textValue());
            }
        }
        JsonNode extra = node.get("additionalProperties");
        if (extra != null && !extra.isBoolean() && !extra.isObject()) {
            throw invalid("json_schema: 'additionalProperties' must be a boolean or a schema at " + at(path));
        }
        boolean closed = extra != null && extra.isBoolean() && !extra.booleanValue();
        List<JsonGrammar.Property> out = new ArrayList<>();
        Set<String> declared = new LinkedHashSet<>();
        if (props != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                declared.add(e.getKey());
                Automaton v = schema(e.getValue(), path + "/properties/" + escapePointer(e.getKey()));
                boolean isRequired = required.contains(e.getKey());
                if (isRequired || !Operations.isEmpty(v)) {
                    out.add(new JsonGrammar.Property(compact(mapper.getNodeFactory().textNode(e.getKey())), v,
                            isRequired));
                }
            }
        }
        // A required but undeclared property must still be generated: its value is whatever
        // additionalProperties allows (nothing, when closed).
        for (String r : required) {
            if (!declared.contains(r)) {
                Automaton v = closed ? Automata.makeEmpty() : extraValue(extra, path);
                out.add(new JsonGrammar.Property(compact(mapper.getNodeFactory().textNode(r)), v, true));
            }
        }
        if (out.isEmpty() && declared.isEmpty() && !closed) {
            return JsonGrammar.map(extraValue(extra, path));
        }
        if (extra != null && extra.isObject()) {
            // Not generated (only declared properties are), but still checked: no keyword goes unnoticed.
            schema(extra, path + "/additionalProperties");
        }
        return known(JsonGrammar.object(out));
    }

    private Automaton extraValue(JsonNode extra, String path) {
        return extra != null && extra.isObject() ? schema(extra, path + "/additionalProperties")
                : JsonGrammar.anyValue(GrammarCompiler.MAX_ANY_DEPTH - 1);
    }

    private Automaton ref(JsonNode refNode, String path) {
        if (!refNode.isTextual() || !refNode.textValue().startsWith("#")) {
            throw invalid("json_schema: unsupported $ref " + refNode + " at " + at(path)
                    + " (only local references '#', '#/$defs/...', '#/definitions/...')");
        }
        String pointer = refNode.textValue().substring(1);
        if (!pointer.isEmpty() && !pointer.startsWith("/")) {
            throw invalid("json_schema: unsupported $ref " + refNode + " at " + at(path) + " (anchors are not supported)");
        }
        JsonNode target = root;
        for (String token : pointer.isEmpty() ? new String[0] : pointer.substring(1).split("/", -1)) {
            String key = token.replace("~1", "/").replace("~0", "~");
            target = target.isArray() && key.matches("\\d+") ? target.get(Integer.parseInt(key)) : target.get(key);
            if (target == null) {
                throw invalid("json_schema: $ref " + refNode + " at " + at(path) + " points to nothing");
            }
        }
        int depth = refDepth.getOrDefault(pointer, 0);
        if (depth >= GrammarCompiler.MAX_REF_DEPTH) {
            refLimitHit = true;
            return Automata.makeEmpty();
        }
        String memoKey = pointer + " " + refDepth;
        Automaton cached = refMemo.get(memoKey);
        if (cached != null) {
            return cached;
        }
        refDepth.put(pointer, depth + 1);
        Automaton a;
        try {
            a = schema(target, pointer);
        } finally {
            if (depth == 0) {
                refDepth.remove(pointer);
            } else {
                refDepth.put(pointer, depth);
            }
        }
        refMemo.put(memoKey, a);
        return a;
    }

    private BigDecimal decimal(JsonNode node, String kw, String path) {
        JsonNode v = node.get(kw);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw invalid("json_schema: '" + kw + "' must be a number at " + at(path));
        }
        return v.decimalValue();
    }

    private int count(JsonNode node, String kw, String path, int absent) {
        JsonNode v = node.get(kw);
        if (v == null) {
            return absent;
        }
        if (!v.isIntegralNumber() || v.bigIntegerValue().signum() < 0) {
            throw invalid("json_schema: '" + kw + "' must be a non-negative integer at " + at(path));
        }
        if (v.bigIntegerValue().compareTo(BigInteger.valueOf(GrammarCompiler.MAX_REPEAT)) > 0) {
            throw invalid("json_schema: constraint too complex: '" + kw + "' above " + GrammarCompiler.MAX_REPEAT
                    + " at " + at(path));
        }
        return v.intValue();
    }

    private String compact(JsonNode v) {
        try {
            return mapper.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw invalid("json_schema: cannot serialize " + v);
        }
    }

    private static String escapePointer(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String at(String path) {
        return path.isEmpty() ? "/" : path;
    }
}
