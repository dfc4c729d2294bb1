package io.lingspark.engine.runtime;

import java.util.List;

/**
 * What a request got: its choices, or a typed error (then choices is empty).
 *
 * @param ttftMs             time from submit to the first generated token
 * @param totalMs            time from submit to the last choice's end
 * @param cachedPromptTokens prompt tokens served from the prefix cache instead of computed, summed over
 *                           the choices (each choice reads the prompt; n choices read it n times)
 */
public record GenerationResult(String requestId, List<CompletionChoice> choices, int promptTokens,
                               ErrorCode errorCode, String errorMessage, double ttftMs, double totalMs,
                               int cachedPromptTokens) {
    public boolean ok() {
        return errorCode == null;
    }

    public static GenerationResult error(String requestId, ErrorCode code, String message, double totalMs) {
        return new GenerationResult(requestId, List.of(), 0, code, message, 0, totalMs, 0);
    }

    public int completionTokens() {
        return choices.stream().mapToInt(CompletionChoice::completionTokens).sum();
    }
}
