package io.lingspark.engine.backend;

import io.lingspark.engine.config.LingConfig;

/**
 * The operations Ling 2.5 ({@code bailing_hybrid}, ling-architecture.md §5.1) needs on top of
 * {@link Backend}: Lightning linear attention with its recurrent state, MLA over the compressed
 * latent cache, GroupRMSNorm, the sigmoid output gate and interleaved RoPE. A backend that
 * implements this interface as well as {@link Backend} can run hybrid models; everything shared
 * with Ling 2.0 (matmul, rmsNorm, QK-norm + NeoX RoPE, MoE, SwiGLU, add, embedding) stays on
 * {@link Backend}. Shapes are [rows, cols] row-major; T is the number of tokens in the step.
 */
public interface HybridOps {
    /**
     * A fresh per-sequence cache holding both kinds of state: for every MLA layer the compressed
     * latent (kv_lora_rank normed c_kv + qk_rope_head_dim rotated k_rope per token) and for every
     * linear layer the constant-size fp32 recurrent state [heads, d, d]. Only truncate(0) or a
     * no-op truncate is possible: the recurrent state cannot be rewound to an earlier length.
     */
    KvCache newHybridCache(LingConfig config);

    /**
     * GroupRMSNorm: the cols of each row are split into {@code groups} equal groups; each group is
     * RMS-normalised on its own, then the whole row is multiplied by w [1, cols].
     */
    void groupRmsNorm(Tensor x, Weight w, int groups, float eps, Tensor out);

    /** x ⊙= sigmoid(gate), elementwise; both [T, n]. */
    void sigmoidGate(Tensor x, Tensor gate);

    /**
     * Interleaved (GPT-J) RoPE in place: in each of {@code heads} heads at columns colOffset +
     * h·headStride, the pairs (x_{2i}, x_{2i+1}), i < invFreq.length, turn by positions[t]·invFreq[i];
     * cos and sin are multiplied by ropeFactor (YaRN).
     */
    void ropeInterleaved(Tensor x, int colOffset, int heads, int headStride, float[] invFreq, float ropeFactor,
                         int[] positions);

    /**
     * Lightning linear attention (simple gated linear attention, no softmax, no normaliser) of every
     * sequence in the layout against the recurrent state {@code slot} of its cache, which it updates:
     * S_t = λ_h S_{t−1} + k_tᵀ v_t, o_t = d^(−1/2) q_t S_t with λ_h = exp(logDecay[h]). qkv [T, 3·heads·d]
     * holds q | k | v after QK-norm and RoPE; out [T, heads·d]. Multi-token chunks use the chunked form
     * (blocks of 64 with the carried state), single tokens the recurrent form; both are the same function.
     */
    void lightningAttention(Tensor qkv, BatchLayout layout, int slot, float[] logDecay, int heads, int headDim,
                            Tensor out);

    /**
     * MLA softmax attention over the compressed cache: appends this step's latent rows (ckv [T, kv_lora],
     * already kv_a_layernorm-ed; kRope [T, rope], already rotated) to MLA slot {@code slot} of each
     * sequence's cache, then causal attention of q [T, nh·(nope + rope)] (rope part rotated) with
     * keys [k_nope | k_rope] and values expanded from the latent by kvB [nh·(nope + v), kv_lora].
     * Scores are multiplied by scale. out [T, nh·v].
     */
    void mlaAttention(Tensor q, Tensor ckv, Tensor kRope, Weight kvB, BatchLayout layout, int slot,
                      LingConfig config, float scale, Tensor out);

    /** A host copy of linear slot {@code slot}'s recurrent state [heads, d (key), d (value)] (tests, debugging). */
    float[] linearState(KvCache cache, int slot);
}
