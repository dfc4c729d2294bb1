package io.lingspark.engine.backend;

import io.lingspark.engine.config.LingConfig;

/**
 * What the model needs computed, and nothing about how. {@code model.LingModel} calls these in the
 * order of the specification; the CPU backend is the numerical reference and every CUDA kernel is
 * tested against it. All shapes are [rows, cols] row-major; T is the number of tokens in the step.
 */
public interface Backend extends AutoCloseable {
    String name();

    Weight upload(HostMatrix m);

    /** A [rows, cols] weight with deterministic random values (benchmarks: no files, no host copy needed). */
    Weight random(String name, int rows, int cols, long seed, float scale);

    Tensor alloc(int rows, int cols);

    /**
     * A tensor kept in fp32 where the backend's activations are narrower (bf16 on CUDA): the residual
     * stream between layers and the logits, where rounding would cost the most accuracy. Ops that
     * take such a tensor: embedding (out), rmsNorm (x), add (x), rows (src), matmul (out).
     */
    default Tensor allocF32(int rows, int cols) {
        return alloc(rows, cols);
    }

    KvCache newKvCache(LingConfig config);

    /** out[t] = table[ids[t]]. */
    void embedding(Weight table, int[] ids, Tensor out);

    /** out[t] = RMSNorm(x[t]) ⊙ w, over all cols. */
    void rmsNorm(Tensor x, Weight w, float eps, Tensor out);

    /** out[T, N] = x[T, K] · w[N, K]ᵀ (fp32 accumulation). */
    void matmul(Tensor x, Weight w, Tensor out);

    /**
     * Per-head RMSNorm then partial NeoX RoPE on the heads at columns [colOffset, colOffset + heads·d)
     * of x, in place. inv_freq [ropeDim/2]; cos/sin are multiplied by ropeFactor (YaRN).
     */
    void qkNormRope(Tensor x, int colOffset, int heads, int headDim, Weight norm, float eps,
                    int ropeDim, float[] invFreq, float ropeFactor, int[] positions);

    /**
     * Appends this step's K and V (columns of qkv after the q heads) to each chunk's cache at layer
     * {@code layer}, then causal GQA attention of the q heads over the cache. out [T, nh·d].
     */
    void attention(Tensor qkv, BatchLayout layout, int layer, LingConfig config, Tensor out);

    /** out[t] = silu(gu[t, :n]) ⊙ gu[t, n:] where gu is [T, 2n] (gate | up). */
    void siluMul(Tensor gateUp, Tensor out);

    /** x += y. */
    void add(Tensor x, Tensor y);

    /**
     * The routed MoE experts (§2.4 MoE steps 1–7): fp32 router over x, sigmoid, bias-shifted
     * group-limited top-k, normalised weights × scale, weighted sum of the chosen experts' SwiGLU.
     * Writes the routed output to out and, when chosen != null, the expert ids [T, k].
     */
    void moe(Tensor x, MoeWeights w, LingConfig config, Tensor out, int[] chosen);

    /** Copies rows [from, from + n) of src into a new tensor (logits of chosen positions). */
    Tensor rows(Tensor src, int[] rowIndices);

    /** Device → host copy. */
    float[] toHost(Tensor t);

    void free(Tensor t);

    @Override
    void close();

    /** One MoE layer's weights: router [E, H], expert bias [E] (fp32), per expert gate|up [2m, H], down [H, m]. */
    record MoeWeights(Weight router, float[] expertBias, Weight[] gateUp, Weight[] down) {
    }
}
