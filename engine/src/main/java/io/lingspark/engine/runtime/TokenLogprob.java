package io.lingspark.engine.runtime;

import java.util.List;

/** The chosen token's log-probability and the top alternatives at that step (OpenAI logprobs). */
public record TokenLogprob(int tokenId, String token, double logprob, List<Top> top) {
    public record Top(int tokenId, String token, double logprob) {
    }
}
