package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.config.LingConfig;
import java.util.List;

/**
 * A loaded Ling model as the runtime sees it: per-sequence caches and batched steps. Ling 2.0
 * ({@link LingModel}) and Ling 2.5 (hybrid linear attention) both implement it, so the scheduler,
 * the sampler and the commands do not care which family runs.
 */
public interface CausalLm extends AutoCloseable {
    LingConfig config();

    Backend backend();

    /** A fresh per-sequence cache (attention KV and, for hybrid models, the linear-attention state). */
    KvCache newCache();

    /** One batched step over several sequences, each at its own position; see {@link SeqInput}. */
    StepOutput forward(List<SeqInput> inputs, boolean recordRouting);

    default StepOutput forward(List<SeqInput> inputs) {
        return forward(inputs, false);
    }

    @Override
    void close();
}
