package io.lingspark.engine.runtime;

import io.lingspark.engine.output.ToolCall;
import java.util.List;

/**
 * One of a request's n choices.
 *
 * @param text             content after reasoning and tool-call blocks are taken out, stop string cut
 * @param reasoningContent text of the {@code <think>} block, or null
 * @param toolCalls        parsed calls (empty when none)
 * @param finishReason     "stop", "length" or "tool_calls"
 * @param tokenIds         generated ids (stop tokens excluded)
 * @param logprobs         per generated token when asked for, else null
 * @param parseError       why a tool-call block was kept as text, or null
 * @param parsed           with a structured-output constraint: the answer once the constraint accepted it in
 *                         full (JSON text for the JSON kinds, the matched text for choice and regex); else null
 * @param outputError      with a constraint: {@link ErrorCode#INCOMPLETE_OUTPUT} when the answer ended before
 *                         the constraint accepted it (max_tokens, a stop string); else null
 */
public record CompletionChoice(int index, String text, String reasoningContent, List<ToolCall> toolCalls,
                               String finishReason, int completionTokens, int[] tokenIds,
                               List<TokenLogprob> logprobs, String parseError, String parsed,
                               ErrorCode outputError) {
}
