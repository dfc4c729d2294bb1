package io.lingspark.engine.runtime;

import java.util.List;

/**
 * What a step must compute from its logits, as plain data: for each row that wants a token (the
 * ForwardBatch's sample rows, in order), the sampler's inputs (parameters, seed, draw index, history
 * for penalties); for each scored row (its score rows, in order), the token ids whose log-probabilities
 * it gives.
 */
public record SamplingBatch(List<Sampler.Row> rows, List<int[]> scoreTargets) {
    public static final SamplingBatch NONE = new SamplingBatch(List.of());

    public SamplingBatch {
        rows = List.copyOf(rows);
        scoreTargets = List.copyOf(scoreTargets);
    }

    public SamplingBatch(List<Sampler.Row> rows) {
        this(rows, List.of());
    }

    public int size() {
        return rows.size();
    }
}
