package io.lingspark.jobs.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A deterministic JSONL input of good rows and bad rows of many kinds, each line with the id its
 * output row must have (null: a content-hash id, found through the kept "row" column, or not at all
 * for a malformed line without an id) and the error code it must get (null: it must succeed).
 */
final class FuzzedInput {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One input line and what its output row must be. */
    record Line(String text, int row, String id, String code) {
    }

    /** A bad kind: the fields it sets on the row, or the whole line, and its code. */
    private record Bad(String code, Function<ObjectNode, String> make) {
    }

    private static final String[] UNICODE = {"中文的提示 ", "emoji 🦙🚀 ", "مرحبا بالعالم ", "e\u0301 combining ",
        "tab\tand\nnewline ", "quote \" and backslash \\ ", "ß ẞ Ω ≠ ∑ "};

    private static final List<Bad> BAD = List.of(
        new Bad("BAD_JSON", o -> json(o).substring(0, json(o).length() - 3)), // truncated: the id is still readable
        new Bad("BAD_JSON", o -> "{\"prompt\": \"x\", \"id\": " + json(o.get("id").asText()) + ", oops}"),
        new Bad("BAD_JSON", o -> "{\"id\": " + json(o.get("id").asText()) + ", \"prompt\": \"no\" \"comma\"}"),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{\"max_tokens\": \"ten\"}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{\"max_tokens\": 1e30}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{\"max_tokens\": 1.5}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{\"bogus_knob\": 1}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{" + json("k".repeat(5000)) + ": 1}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{\"temperature\": -3}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{\"seed\": \"seven\"}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{\"seed\": 1e400}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{\"stop\": {\"a\": [1, {\"b\": null}]}}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "{\"max_tokens\": 123456789012345678901234567890}")),
        new Bad("INVALID_PARAMS", o -> field(o, "params", "[1, 2]")),
        new Bad("INVALID_PARAMS", o -> json(o.put("params", "not json"))),
        new Bad("EMPTY_PROMPT", o -> field(o, "messages", "[]")),
        new Bad("EMPTY_PROMPT", o -> json(o.putNull("prompt"))),
        new Bad("EMPTY_PROMPT", o -> json(o.put("prompt", ""))),
        new Bad("UNKNOWN_ROLE", o -> field(o, "messages", "[{\"role\": \"wizard\", \"content\": \"abracadabra\"}]")),
        new Bad("BAD_MESSAGES", o -> field(o, "messages", "[{\"content\": \"no role\"}]")),
        new Bad("BAD_MESSAGES", o -> field(o, "messages", "[{\"role\": 5, \"content\": \"x\"}]")),
        new Bad("BAD_MESSAGES", o -> field(o, "messages", "[{\"role\": \"user\", \"content\": 42}]")),
        new Bad("BAD_MESSAGES", o -> field(o, "messages", "[{\"role\": \"user\", \"content\": {\"n\": [\"g\", {\"x\": null}]}}]")),
        new Bad("BAD_MESSAGES", o -> field(o, "messages", "[{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", "
            + "\"image_url\": {\"url\": \"https://example.invalid/a.png\"}}]}]")),
        new Bad("BAD_MESSAGES", o -> json(o.put("messages", "[{\"role\": \"user\", \"content\": \"cut"))),
        new Bad("BAD_MESSAGES", o -> field(o, "messages", "{\"role\": \"user\", \"content\": \"not a list\"}")),
        new Bad("BAD_MESSAGES", o -> {
            field(o, "messages", "[{\"role\": \"user\", \"content\": \"hi\"}]");
            return field(o, "tools", "{\"x\": 1}");
        }),
        new Bad("TEMPLATE_ERROR", o -> field(o, "messages", "[{\"role\": \"user\"}]")),
        new Bad("PROMPT_TOO_LONG", o -> json(o.put("prompt", "many words ".repeat(1500)))));

    private FuzzedInput() {
    }

    static List<Line> lines(long seed, int n) {
        Random rnd = new Random(seed);
        List<Line> out = new ArrayList<>();
        int bad = 0;
        for (int i = 0; i < n; i++) {
            ObjectNode o = JSON.createObjectNode();
            o.put("row", i);
            String id = ids(o, i, rnd);
            // every bad kind at least once, then about one row in eight
            if (bad < BAD.size() || rnd.nextInt(8) == 0) {
                Bad b = BAD.get(bad < BAD.size() ? bad : rnd.nextInt(BAD.size()));
                bad++;
                if (b.code().equals("BAD_JSON")) {
                    id = "j" + i; // a malformed line keeps the id it shows (first, so a cut line still has it)
                    o = JSON.createObjectNode().put("id", id).put("row", i);
                }
                o.put("prompt", "bad row " + i); // what a kind sets (messages first) decides
                out.add(new Line(b.make().apply(o), i, id, b.code()));
            } else {
                out.add(new Line(good(o, i, rnd), i, id, null));
            }
        }
        // Two malformed lines with no id at all: each is its own error row under a hash id.
        out.add(new Line("{garbage " + n, n, null, "BAD_JSON"));
        out.add(new Line("[1, 2, \"three\"", n + 1, null, "BAD_JSON"));
        out.add(new Line("\"a JSON string, not an object\"", n + 5, null, "BAD_JSON"));
        // An id given twice (different prompts) and a row given twice: one output row each.
        out.add(new Line(json(JSON.createObjectNode().put("id", "dup").put("row", n + 2).put("prompt", "first dup")), n + 2, "dup", null));
        out.add(new Line(json(JSON.createObjectNode().put("id", "dup").put("row", n + 3).put("prompt", "second dup")), n + 3, "dup", null));
        String longId = "L".repeat(3000);
        out.add(new Line(json(JSON.createObjectNode().put("id", longId).put("row", n + 6).put("prompt", "a long id")), n + 6, longId, null));
        String twice = json(JSON.createObjectNode().put("row", n + 4).put("prompt", "the same row twice"));
        out.add(new Line(twice, n + 4, null, null));
        out.add(new Line(twice, n + 4, null, null));
        return out;
    }

    /** The row's id: a string, a number, none, or a blank one (which is none). Returns the output id, or null. */
    private static String ids(ObjectNode o, int i, Random rnd) {
        switch (rnd.nextInt(10)) {
            case 0 -> {
                return null;
            }
            case 1 -> {
                o.put("id", i % 2 == 0 ? "" : " \t ");
                return null;
            }
            case 2 -> {
                o.putNull("id");
                return null;
            }
            case 3 -> {
                o.put("id", 100000 + i);
                return Integer.toString(100000 + i);
            }
            case 4 -> {
                o.put("id", "ид-" + i + "-✓");
                return "ид-" + i + "-✓";
            }
            default -> {
                o.put("id", "r" + i);
                return "r" + i;
            }
        }
    }

    private static String good(ObjectNode o, int i, Random rnd) {
        String text = UNICODE[rnd.nextInt(UNICODE.length)] + "number " + i;
        switch (rnd.nextInt(6)) {
            case 0 -> {
                ArrayNode ms = o.putArray("messages");
                ms.addObject().put("role", "system").put("content", "Be terse.");
                ms.addObject().put("role", "user").put("content", text);
            }
            case 1 -> o.putArray("messages").addObject().put("role", "user").putArray("content")
                .add(JSON.createObjectNode().put("type", "text").put("text", text))
                .add(JSON.createObjectNode().put("type", "text").put("text", "second part"));
            case 2 -> {
                o.put("prompt", text);
                o.putObject("params").put("max_tokens", 1.0).put("temperature", 0);
            }
            case 3 -> {
                o.putArray("messages").addObject().put("role", "user").put("content", text);
                o.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "lookup")
                    .putObject("parameters").put("type", "object").putObject("properties").putObject("q").put("type", "string");
            }
            case 4 -> o.put("prompt", text + " " + "x".repeat(rnd.nextInt(60)));
            default -> o.put("prompt", text);
        }
        return json(o);
    }

    /** The row, as a line, with {@code field} set to the JSON value {@code value}. */
    private static String field(ObjectNode o, String field, String value) {
        try {
            o.set(field, JSON.readTree(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(value, e);
        }
        return json(o);
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
