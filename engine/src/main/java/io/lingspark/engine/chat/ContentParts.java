package io.lingspark.engine.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI content parts ({@code "content": [{"type": "text", "text": "..."}, ...]}) as the one string a
 * text-only chat template renders: the text parts joined with "\n", as vLLM does for a text-only model
 * (its "string" content format). Any other part (an image, audio) is refused, naming its type: this
 * model reads text only. The generate job's row parser (jobs' ChatMessages) and the engine use this one rule.
 */
public final class ContentParts {
    private ContentParts() {
    }

    /**
     * The messages with every list content joined into a string; the same list when none has one.
     *
     * @throws IllegalArgumentException naming the message and part that is not a text part
     */
    public static List<Map<String, Object>> joined(List<Map<String, Object>> messages) {
        List<Map<String, Object>> out = null;
        for (int i = 0; i < messages.size(); i++) {
            Object m = messages.get(i);
            if (m instanceof Map<?, ?> map && map.get("content") instanceof List<?> parts) {
                if (out == null) {
                    out = new ArrayList<>(messages);
                }
                Map<String, Object> copy = new LinkedHashMap<>();
                map.forEach((k, v) -> copy.put(String.valueOf(k), v));
                copy.put("content", text(i, parts));
                out.set(i, copy);
            }
        }
        return out == null ? messages : out;
    }

    private static String text(int message, List<?> parts) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < parts.size(); j++) {
            String where = "message " + message + " content part " + j;
            if (!(parts.get(j) instanceof Map<?, ?> p) || !(p.get("type") instanceof String type)) {
                throw new IllegalArgumentException(where + " is not an object with a string type");
            }
            if (!type.equals("text")) {
                throw new IllegalArgumentException(where + " has type '" + (type.length() > 40 ? type.substring(0, 40) + "..." : type)
                    + "'; only text parts are supported (this model reads text)");
            }
            if (!(p.get("text") instanceof String t)) {
                throw new IllegalArgumentException(where + " has no string text");
            }
            if (j > 0) {
                sb.append('\n');
            }
            sb.append(t);
        }
        return sb.toString();
    }
}
