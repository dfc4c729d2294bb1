package io.lingspark.engine.runtime;

import java.util.List;

/**
 * What a step must sample, in the order of the ForwardBatch's logit rows: for each row that wants a
 * token, the sampler's inputs as plain data (parameters, seed, draw index, history for penalties).
 */
public record SamplingBatch(List<Sampler.Row> rows) {
    public static final SamplingBatch NONE = new SamplingBatch(List.of());

    public SamplingBatch {
        rows = List.copyOf(rows);
    }

    public int size() {
        return rows.size();
    }
}
