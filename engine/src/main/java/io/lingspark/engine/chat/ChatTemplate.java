package io.lingspark.engine.chat;

import java.util.List;
import java.util.Map;

/**
 * The checkpoint's own chat template (Jinja, from tokenizer_config.json or chat_template.jinja),
 * rendered exactly as transformers' {@code apply_chat_template} does. Messages and tools are plain
 * JSON-shaped values (Map, List, String, Number, Boolean, null) as Jackson reads them.
 */
public interface ChatTemplate {
    /**
     * @param messages            [{role, content, tool_calls, tool_call_id, reasoning_content, ...}]
     * @param tools               OpenAI tool definitions, or null/empty
     * @param addGenerationPrompt append the assistant turn opener
     * @param extra               further template variables (chat_template_kwargs), may be empty
     * @throws TemplateException  when the template cannot render this conversation (raise_exception, bad value, ...)
     */
    String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                  boolean addGenerationPrompt, Map<String, Object> extra);

    /** What the template appends for add_generation_prompt on an empty conversation ({@code ""} if none). */
    String generationPrompt();
}
