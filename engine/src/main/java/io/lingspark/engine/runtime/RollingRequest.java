package io.lingspark.engine.runtime;

/**
 * Log-likelihood of a whole text (lm-evaluation-harness's {@code loglikelihood_rolling}: perplexity).
 * The tokens are scored in windows of the engine's context length: the first window conditions on the
 * prefix token, each later one on the token before it ({@code get_rolling_token_windows} with
 * context_len 1, then {@code make_disjoint_window}), so every token is predicted exactly once.
 *
 * @param id               caller's id, echoed in the result
 * @param text             the text (exactly one of text and ids)
 * @param ids              the text as token ids
 * @param perTokenLogprobs also return every token's log-probability
 * @param prefixTokenId    the token the first window starts from (null: the tokenizer's BOS, else its EOS)
 */
public record RollingRequest(String id, String text, int[] ids, boolean perTokenLogprobs, Integer prefixTokenId) {

    public static RollingRequest ofText(String id, String text) {
        return new RollingRequest(id, text, null, false, null);
    }

    public static RollingRequest ofIds(String id, int[] ids) {
        return new RollingRequest(id, null, ids, false, null);
    }

    public RollingRequest withPerTokenLogprobs(boolean on) {
        return new RollingRequest(id, text, ids, on, prefixTokenId);
    }
}
