package io.lingspark.jobs.input;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.chat.ChatRoles;
import io.lingspark.engine.chat.ContentParts;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.LingException;
import java.util.List;
import java.util.Map;

/**
 * A row's messages and tools (JSON text) as the chat template's values, checked, or a typed error.
 * Content may be a string or, as OpenAI clients send it, a list of content parts: the text parts are
 * joined with "\n" into one string, as vLLM does for a text-only model (its "string" content format),
 * so the template renders what it renders for the same text given as a string. Any other part (an
 * image, audio) is an error naming its type: this model reads text only.
 */
final class ChatMessages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<Map<String, Object>>> LIST = new TypeReference<>() { };

    private ChatMessages() {
    }

    static List<Map<String, Object>> messages(String json) {
        JsonNode node = RequestParser.readTree(json, "messages");
        if (!node.isArray()) {
            throw new LingException(ErrorCode.BAD_MESSAGES, "messages must be a JSON array, got " + node.getNodeType());
        }
        if (node.isEmpty()) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "messages is an empty list");
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw new LingException(ErrorCode.BAD_MESSAGES, "message " + i + " is not an object with a string role");
            }
            String role = m.get("role").asText();
            if (!ChatRoles.known(role)) {
                throw new LingException(ErrorCode.UNKNOWN_ROLE, "message " + i + " has unknown role '"
                    + RequestParser.abbreviate(role) + "' (" + ChatRoles.LISTED + ")");
            }
            JsonNode content = m.get("content");
            if (content != null && !content.isNull() && !content.isTextual() && !content.isArray()) {
                throw new LingException(ErrorCode.BAD_MESSAGES, "message " + i + " content must be a string or a list "
                    + "of text parts, got " + content.getNodeType());
            }
        }
        try {
            return ContentParts.joined(JSON.convertValue(node, LIST));
        } catch (IllegalArgumentException e) {
            throw new LingException(ErrorCode.BAD_MESSAGES, e.getMessage());
        }
    }

    static List<Map<String, Object>> tools(String json) {
        JsonNode node = RequestParser.readTree(json, "tools");
        if (node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new LingException(ErrorCode.BAD_MESSAGES, "tools must be a JSON array, got " + node.getNodeType());
        }
        for (JsonNode t : node) {
            if (!t.isObject()) {
                throw new LingException(ErrorCode.BAD_MESSAGES, "tools must be a list of objects");
            }
        }
        return JSON.convertValue(node, LIST);
    }
}
