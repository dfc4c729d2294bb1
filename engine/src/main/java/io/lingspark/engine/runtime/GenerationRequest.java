package io.lingspark.engine.runtime;

import java.util.List;
import java.util.Map;

/**
 * One request: exactly one of prompt, promptIds or messages (+ tools).
 *
 * @param id             caller's id, echoed in the result
 * @param prompt         raw text, tokenized as is (no template)
 * @param promptIds      token ids, used as they are
 * @param messages       chat messages as JSON-shaped maps, rendered with the model's template
 * @param tools          OpenAI tool definitions for the template, or null
 * @param templateKwargs extra template variables (chat_template_kwargs), or null
 * @param startsInReasoning null: decided per model from the template's generation prompt;
 *                       true/false overrides whether generation starts inside {@code <think>}
 */
public record GenerationRequest(String id, String prompt, int[] promptIds, List<Map<String, Object>> messages,
                                List<Map<String, Object>> tools, Map<String, Object> templateKwargs,
                                SamplingParams params, Boolean startsInReasoning) {

    public GenerationRequest {
        params = params == null ? SamplingParams.DEFAULT : params;
    }

    public static GenerationRequest ofPrompt(String id, String prompt, SamplingParams params) {
        return new GenerationRequest(id, prompt, null, null, null, null, params, null);
    }

    public static GenerationRequest ofIds(String id, int[] ids, SamplingParams params) {
        return new GenerationRequest(id, null, ids, null, null, null, params, null);
    }

    public static GenerationRequest ofMessages(String id, List<Map<String, Object>> messages,
                                               List<Map<String, Object>> tools, SamplingParams params) {
        return new GenerationRequest(id, null, null, messages, tools, null, params, null);
    }
}
