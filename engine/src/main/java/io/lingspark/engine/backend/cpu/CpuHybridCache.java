package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.config.LingConfig;
import java.util.Arrays;

/**
 * One sequence's state for a Ling 2.5 hybrid model, fp32 on the heap:
 * <ul>
 *   <li>per MLA layer the compressed latent rows [capacity, kv_lora + rope]: the normed c_kv then
 *       the rotated shared k_rope, grown by doubling. Keys and values are expanded from it when
 *       attending, so a token costs kv_lora + rope floats per MLA layer instead of nh·(nope+rope+v).</li>
 *   <li>per linear layer the recurrent state [heads, d, d] (key dim × value dim), constant in length.</li>
 * </ul>
 * The recurrent state folds every past token in, so it cannot be rewound to an earlier length
 * without a snapshot: {@link #truncate} supports only 0 (reset) and lengths ≥ {@link #length()}
 * (no-op); the runtime preempts hybrid sequences by recomputing from 0.
 */
final class CpuHybridCache implements KvCache {
    final int latentWidth;   // kv_lora_rank + qk_rope_head_dim
    final int kvLora;        // kv_lora_rank: offset of k_rope within a latent row
    final float[][] latent;  // [mlaLayers][capacity · latentWidth]
    final float[][] state;   // [linearLayers][heads · d · d]
    int length;
    int capacity;

    CpuHybridCache(LingConfig c, int initialCapacity) {
        this.kvLora = c.kvLoraRank;
        this.latentWidth = c.kvLoraRank + c.qkRopeHeadDim;
        this.capacity = Math.max(16, initialCapacity);
        this.latent = new float[c.layerCount(LingConfig.LayerKind.MLA)][capacity * latentWidth];
        this.state = new float[c.layerCount(LingConfig.LayerKind.LINEAR)][c.numHeads * c.headDim * c.headDim];
    }

    /** Makes room for n tokens in total in every MLA layer. */
    void ensure(int n) {
        capacity = Growth.ensure(capacity, n, latentWidth, latent);
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void commit(int n) {
        length = n;
    }

    @Override
    public void truncate(int n) {
        if (n >= length) {
            return;
        }
        if (n != 0) {
            throw new UnsupportedOperationException("a hybrid (linear-attention) cache can only be truncated to 0, not to "
                    + n + " of " + length + " tokens: the recurrent state has no snapshot there; recompute from 0");
        }
        for (float[] s : state) {
            Arrays.fill(s, 0f);
        }
        length = 0;
    }

    /** Both kinds of state: the latent rows allocated so far and the fixed recurrent states. */
    @Override
    public long bytes() {
        long b = 0;
        for (float[] l : latent) {
            b += 4L * l.length;
        }
        for (float[] s : state) {
            b += 4L * s.length;
        }
        return b;
    }

    @Override
    public void close() {
        // heap memory: the garbage collector reclaims it
    }
}
