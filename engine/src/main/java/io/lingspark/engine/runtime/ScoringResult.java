package io.lingspark.engine.runtime;

import java.util.List;

/**
 * What a {@link ScoringRequest} got: a score per continuation, in request order, or a typed error
 * (then continuations is empty).
 *
 * @param contextTokens tokens of the context (after the boundary handling)
 * @param cachedTokens  tokens served from the cache instead of computed, summed over the request's
 *                      sequences (a continuation forked from the context's sequence counts the context)
 * @param totalMs       time from submit to the result
 */
public record ScoringResult(String requestId, List<ContinuationScore> continuations, int contextTokens, int cachedTokens,
                           ErrorCode errorCode, String errorMessage, double totalMs) {
    public boolean ok() {
        return errorCode == null;
    }

    public static ScoringResult error(String requestId, ErrorCode code, String message, double totalMs) {
        return new ScoringResult(requestId, List.of(), 0, 0, code, message, totalMs);
    }

    /**
     * One continuation's log-likelihood, as lm-eval's {@code (logprob, is_greedy)} and more.
     *
     * @param logprob       sum of its tokens' log-probabilities (natural log)
     * @param tokens        its token count
     * @param greedy        every token is the argmax of its row (the lowest id on ties)
     * @param tokenIds      its tokens
     * @param tokenLogprobs per token, when asked for; else null
     */
    public record ContinuationScore(int index, double logprob, int tokens, boolean greedy, int[] tokenIds,
                                    double[] tokenLogprobs) {
    }
}
