package io.lingspark.engine.runtime;

import io.lingspark.engine.chat.ChatRoles;
import io.lingspark.engine.chat.ChatTemplate;
import io.lingspark.engine.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;

/**
 * Turns a request into prompt ids, or a typed {@link LingException}: exactly one input kind, a
 * non-empty prompt, well-shaped messages, a template that renders, ids inside the vocabulary, room
 * left in the context. Runs on the caller's thread so bad requests never reach the scheduler.
 */
final class PromptBuilder {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final int vocabSize;
    private final int contextLen;

    PromptBuilder(Tokenizer tokenizer, ChatTemplate template, int vocabSize, int contextLen) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.vocabSize = vocabSize;
        this.contextLen = contextLen;
    }

    int contextLen() {
        return contextLen;
    }

    /** A prompt ready for the scheduler: ids and whether generation starts inside {@code <think>}. */
    record Prompt(int[] ids, boolean startsInReasoning) {
    }

    Prompt build(GenerationRequest r) {
        if (r == null) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "no request");
        }
        int kinds = (r.prompt() != null ? 1 : 0) + (r.promptIds() != null ? 1 : 0) + (r.messages() != null ? 1 : 0);
        if (kinds == 0) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "the request has no prompt, prompt ids or messages");
        }
        if (kinds > 1) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "give exactly one of prompt, prompt ids or messages");
        }
        int[] ids;
        boolean thinking;
        if (r.promptIds() != null) {
            ids = r.promptIds().clone();
            for (int id : ids) {
                if (id < 0 || id >= vocabSize) {
                    throw new LingException(ErrorCode.INVALID_TOKEN, "token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
                }
            }
            thinking = false;
        } else if (r.prompt() != null) {
            if (r.prompt().isEmpty()) {
                throw new LingException(ErrorCode.EMPTY_PROMPT, "the prompt is empty");
            }
            ids = tokenizer.encode(r.prompt());
            thinking = endsInsideThink(r.prompt());
        } else {
            String text = renderChat(r.messages(), r.tools(), r.templateKwargs());
            ids = tokenizer.encode(text);
            thinking = endsInsideThink(template.generationPrompt());
        }
        if (ids.length == 0) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "the prompt has no tokens");
        }
        if (ids.length + 1 > contextLen) {
            throw new LingException(ErrorCode.PROMPT_TOO_LONG, "the prompt has " + ids.length
                + " tokens; the context holds " + contextLen + ", leaving no room to generate");
        }
        boolean starts = r.startsInReasoning() != null ? r.startsInReasoning() : thinking;
        return new Prompt(ids, starts);
    }

    /** Checked messages rendered with the template and its generation prompt, or a typed LingException. */
    String renderChat(List<Map<String, Object>> messages, List<Map<String, Object>> tools, Map<String, Object> kwargs) {
        checkMessages(messages);
        List<Map<String, Object>> joined;
        try {
            joined = io.lingspark.engine.chat.ContentParts.joined(messages); // OpenAI text parts, as vLLM takes them
        } catch (IllegalArgumentException e) {
            throw new LingException(ErrorCode.BAD_MESSAGES, e.getMessage());
        }
        try {
            return template.render(joined, tools, true, kwargs == null ? Map.of() : kwargs);
        } catch (RuntimeException e) {
            // TemplateException, and anything else a template does with odd values: the request's fault.
            throw new LingException(ErrorCode.TEMPLATE_ERROR, "chat template failed: " + e.getMessage(), e);
        }
    }

    /** Whether text ends inside an open {@code <think>} block (Ring's generation prompt does). */
    static boolean endsInsideThink(String text) {
        return text != null && text.lastIndexOf("<think>") > text.lastIndexOf("</think>");
    }

    static void checkMessages(List<Map<String, Object>> messages) {
        if (messages.isEmpty()) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "messages is empty");
        }
        // The list arrives from JSON or Spark rows with erased generics; check the real element types.
        List<?> raw = messages;
        for (int i = 0; i < raw.size(); i++) {
            Object m = raw.get(i);
            if (!(m instanceof Map<?, ?> map)) {
                throw new LingException(ErrorCode.BAD_MESSAGES, "message " + i + " is not an object");
            }
            Object role = map.get("role");
            if (!(role instanceof String s)) {
                throw new LingException(ErrorCode.BAD_MESSAGES, "message " + i + " has no string role");
            }
            if (!ChatRoles.known(s)) {
                throw new LingException(ErrorCode.UNKNOWN_ROLE, "message " + i + " has role '" + s
                    + "' (allowed: " + ChatRoles.LISTED + ")");
            }
            Object content = map.get("content");
            if (content != null && !(content instanceof String) && !(content instanceof List)) {
                throw new LingException(ErrorCode.BAD_MESSAGES, "message " + i + " content must be a string");
            }
        }
    }
}
