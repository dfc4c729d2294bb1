package io.lingspark.engine.model;

import io.lingspark.engine.backend.KvCache;

/**
 * One sequence's part of a batched step: tokens appended at the cache's current length. A prefill
 * chunk has many tokens, a decode step one. allLogits asks for logits at every position (the
 * {@code logits} command); otherwise only the last position's, which is all sampling needs.
 */
public record SeqInput(KvCache cache, int[] tokens, boolean allLogits) {
    public SeqInput(KvCache cache, int[] tokens) {
        this(cache, tokens, false);
    }
}
