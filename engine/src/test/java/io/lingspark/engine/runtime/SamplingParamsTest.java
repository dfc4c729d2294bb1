package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every sampling parameter outside vLLM's range is an INVALID_PARAMS error naming the parameter and
 * the allowed range, never silently ignored or clamped.
 */
class SamplingParamsTest {
    private static void rejected(String param, String range, UnaryOperator<SamplingParams.Builder> bad) {
        SamplingParams p = bad.apply(SamplingParams.builder()).build();
        LingException e = assertThrows(LingException.class, p::validate, param);
        assertEquals(ErrorCode.INVALID_PARAMS, e.code());
        assertTrue(e.getMessage().startsWith(param + " "), e.getMessage());
        assertTrue(e.getMessage().contains(range), param + ": " + e.getMessage());
    }

    private static void accepted(UnaryOperator<SamplingParams.Builder> ok) {
        assertDoesNotThrow(() -> ok.apply(SamplingParams.builder()).build().validate());
    }

    @Test
    void outOfRangeValuesNameTheParameterAndTheRange() {
        rejected("top_k", "-1 or 0 (off), or >= 1", b -> b.topK(-5));
        rejected("top_k", "-1 or 0 (off), or >= 1", b -> b.topK(Integer.MIN_VALUE));
        rejected("temperature", ">= 0", b -> b.temperature(-0.5));
        rejected("temperature", ">= 0", b -> b.temperature(Double.NaN));
        rejected("temperature", ">= 0", b -> b.temperature(Double.POSITIVE_INFINITY));
        rejected("top_p", "(0, 1]", b -> b.topP(0));
        rejected("top_p", "(0, 1]", b -> b.topP(1.5));
        rejected("top_p", "(0, 1]", b -> b.topP(Double.NaN));
        rejected("min_p", "[0, 1]", b -> b.minP(-0.1));
        rejected("min_p", "[0, 1]", b -> b.minP(2));
        rejected("repetition_penalty", "> 0", b -> b.repetitionPenalty(0));
        rejected("repetition_penalty", "> 0", b -> b.repetitionPenalty(Double.NaN));
        rejected("presence_penalty", "[-2, 2]", b -> b.presencePenalty(2.5));
        rejected("frequency_penalty", "[-2, 2]", b -> b.frequencyPenalty(-3));
        rejected("frequency_penalty", "[-2, 2]", b -> b.frequencyPenalty(Double.NaN));
        rejected("max_tokens", ">= 1", b -> b.maxTokens(0));
        rejected("max_tokens", ">= 1", b -> b.maxTokens(-1));
        rejected("min_tokens", "[0, max_tokens", b -> b.minTokens(-1));
        rejected("min_tokens", "[0, max_tokens", b -> b.maxTokens(4).minTokens(5));
        rejected("n", "[1, 128]", b -> b.n(0));
        rejected("n", "[1, 128]", b -> b.n(129));
        rejected("logprobs", "[0, 20]", b -> b.logprobs(-1));
        rejected("logprobs", "[0, 20]", b -> b.logprobs(21));
        rejected("stop_token_ids", ">= 0", b -> b.stopTokenIds(List.of(5, -1)));
        rejected("stop_token_ids", ">= 0", b -> b.stopTokenIds(Arrays.asList(5, null)));
        rejected("stop", "non-empty", b -> b.stop(List.of("")));
        rejected("stop", "non-empty", b -> b.stop(Arrays.asList("x", null)));
    }

    @Test
    void boundariesAndTheDisabledValuesAreAccepted() {
        accepted(b -> b.topK(-1));
        accepted(b -> b.topK(0));
        accepted(b -> b.topK(1));
        accepted(b -> b.temperature(0));
        accepted(b -> b.topP(1).minP(1).presencePenalty(-2).frequencyPenalty(2).repetitionPenalty(0.01));
        accepted(b -> b.maxTokens(1).minTokens(1).n(128).logprobs(0));
        accepted(b -> b.logprobs(20).stopTokenIds(List.of(0)));
    }
}
