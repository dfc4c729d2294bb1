package io.lingspark.engine.runtime;

/**
 * What a {@link RollingRequest} got, or a typed error.
 *
 * @param logprob       sum of every token's log-probability (natural log)
 * @param tokens        tokens scored (all of the text's)
 * @param windows       windows of the context length they were scored in
 * @param greedy        every token is the argmax of its row
 * @param tokenLogprobs per token, when asked for; else null
 */
public record RollingResult(String requestId, double logprob, int tokens, int windows, boolean greedy,
                            double[] tokenLogprobs, ErrorCode errorCode, String errorMessage, double totalMs) {
    public boolean ok() {
        return errorCode == null;
    }

    /** exp(−logprob / tokens): the text's token-level perplexity. */
    public double perplexity() {
        return Math.exp(-logprob / tokens);
    }

    public static RollingResult error(String requestId, ErrorCode code, String message, double totalMs) {
        return new RollingResult(requestId, Double.NaN, 0, 0, false, null, code, message, totalMs);
    }
}
