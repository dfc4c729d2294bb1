package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.step.ForwardBatch;

/**
 * The attention half of a decoder layer: GQA (Ling 2.0), MLA or Lightning linear attention (Ling 2.5).
 * The decoder layer around it is the same for all three ({@link DecoderLayer}).
 */
interface Attention {
    /** What this attention keeps per sequence. */
    CacheSpec.Layer cache();

    /**
     * o [T, H] = attention of the normed input a [T, H], reading and writing local cache layer
     * {@code layer} of pool; temporaries come from s.
     */
    void forward(Backend be, ForwardBatch batch, CachePool pool, int layer, Tensor a, Tensor o, Scratch s);
}
