package io.lingspark.engine.backend;

import io.lingspark.engine.step.ForwardBatch;
import io.lingspark.engine.weights.HostMatrix;

/**
 * What the model needs computed, and nothing about how. The model calls these in the order of the
 * specification; the CPU backend is the numerical reference and every CUDA kernel is tested against
 * it. All shapes are [rows, cols] row-major; T is the number of rows of the step. Ops take small
 * per-op specs and local layer indices (a pipeline stage's first layer is its layer 0), never the
 * model's whole configuration.
 *
 * <p>A step is bracketed by {@link #beginStep} and {@link #endStep}; the tensors allocated inside it
 * live until the next beginStep (a backend may recycle them then), so results are read after endStep.
 * Ops called outside a step (tests, harnesses) run eagerly on tensors that live until freed.
 */
public interface Backend extends AutoCloseable {
    /** What a backend may lack. */
    enum Feature {
        /** Ling 2.5: Lightning linear attention, MLA, GroupRMSNorm, sigmoid gate, interleaved RoPE */
        HYBRID_ATTENTION,
        /** token choice on the device ({@link #sample}) */
        DEVICE_SAMPLING
    }

    String name();

    boolean supports(Feature f);

    // ---- weights ----

    Weight upload(HostMatrix m);

    /** A [rows, cols] weight with deterministic random values (benchmarks: no files). */
    Weight random(String name, int rows, int cols, long seed, float scale);

    /** Bytes of every weight this backend holds. */
    long weightBytes();

    // ---- cache memory ----

    /** Bytes of one cache block (blockSize tokens, every layer) in this backend's storage precision. */
    long blockBytes(CacheSpec spec);

    /** Bytes of one sequence's state slot (every STATE layer). */
    long slotBytes(CacheSpec spec);

    /**
     * Bytes the cache may take, from this backend's one memory setting: the CPU's --kv-cache-memory;
     * on a GPU, --gpu-memory-utilization of its memory less the weights and the activation reserve.
     */
    long cacheBudget(long activationBytes);

    CachePool allocateCache(CacheSpec spec, int blocks, int slots);

    /**
     * Bytes this backend may use in all (weights, activations, cache), for a check before loading;
     * unbounded where the weights are mapped files and the cache has its own setting (the CPU).
     */
    default long memoryCapacity() {
        return Long.MAX_VALUE;
    }

    // ---- steps and activations ----

    /** Starts a step over batch's rows: the following ops and allocations belong to it. */
    void beginStep(ForwardBatch batch);

    /** Ends the step: everything issued since beginStep has run when it returns. */
    void endStep();

    /** Ends a step that failed half-way: drops what it deferred, leaves the backend ready for the next. */
    default void abortStep() {
        endStep();
    }

    Tensor alloc(int rows, int cols);

    /**
     * A tensor kept in fp32 where the backend's activations are narrower (bf16 on CUDA): the residual
     * stream between layers and the logits, where rounding would cost the most accuracy. Ops that
     * take such a tensor: embedding (out), rmsNorm (x), add (x), rows (src), matmul (out).
     */
    default Tensor allocF32(int rows, int cols) {
        return alloc(rows, cols);
    }

    /**
     * An fp32 tensor [rows, cols] holding data (row-major): hidden states arriving from another pipeline
     * stage. Inside a step it lives until the next beginStep, like any step tensor.
     */
    Tensor fromHost(float[] data, int rows, int cols);

    // ---- ops ----

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
     * Writes this step's K and V (the columns of qkv after the q heads) into each sequence's blocks
     * of local layer {@code layer}, then causal GQA attention of the q heads over the cache. out [T, nh·d].
     */
    void attention(Tensor qkv, ForwardBatch batch, CachePool cache, int layer, AttentionSpec spec, Tensor out);

    /** out[t] = silu(gu[t, :n]) ⊙ gu[t, n:] where gu is [T, 2n] (gate | up). */
    void siluMul(Tensor gateUp, Tensor out);

    /** x += y. */
    void add(Tensor x, Tensor y);

    /**
     * The routed MoE experts (§2.4 MoE steps 1–7): fp32 router over x, sigmoid, bias-shifted
     * group-limited top-k, normalised weights × scale, weighted sum of the chosen experts' SwiGLU.
     * Writes the routed output to out and, when chosen != null, the expert ids [T, k].
     */
    void moe(Tensor x, MoeWeights w, MoeSpec spec, Tensor out, int[] chosen);

    // ---- Ling 2.5 ops (Feature.HYBRID_ATTENTION) ----

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
     * sequence against its state slot at local layer {@code layer}, which it updates (a sequence with
     * nothing computed yet starts from a zero state): S_t = λ_h S_{t−1} + k_tᵀ v_t,
     * o_t = d^(−1/2) q_t S_t. qkv [T, 3·heads·d] holds q | k | v after QK-norm and RoPE; out [T, heads·d].
     */
    void lightningAttention(Tensor qkv, ForwardBatch batch, CachePool cache, int layer, LinearAttentionSpec spec,
                            Tensor out);

    /**
     * MLA softmax attention over the compressed cache: writes this step's latent rows (ckv [T, kv_lora],
     * already kv_a_layernorm-ed; kRope [T, rope], already rotated) into each sequence's blocks of local
     * layer {@code layer}, then causal attention of q [T, nh·(nope + rope)] (rope part rotated) with
     * keys [k_nope | k_rope] and values expanded from the latent by kvB [nh·(nope + v), kv_lora]. out [T, nh·v].
     */
    void mlaAttention(Tensor q, Tensor ckv, Tensor kRope, Weight kvB, ForwardBatch batch, CachePool cache, int layer,
                      MlaSpec spec, Tensor out);

    // ---- results ----

    /** Copies the given rows of src into a new tensor (logits of chosen positions). */
    Tensor rows(Tensor src, int[] rowIndices);

    /**
     * Token ids chosen on the device from logits [R, V] (Feature.DEVICE_SAMPLING): per row greedy
     * argmax where temperature[r] is 0, else a draw with temperature, top_k (1..64) and top_p over
     * the top-k renormalised distribution, seeded by seeds[r]. Only R ints reach the host.
     */
    default int[] sample(Tensor logits, float[] temperature, int[] topK, float[] topP, long[] seeds) {
        throw new UnsupportedOperationException(name() + " has no device sampling");
    }

    /** Device → host copy (a CPU tensor's own array: do not keep it past the step). */
    float[] toHost(Tensor t);

    void free(Tensor t);

    @Override
    void close();

    /** One MoE layer's weights: router [E, H], expert bias [E] (fp32), per expert gate|up [2m, H], down [H, m]. */
    record MoeWeights(Weight router, float[] expertBias, Weight[] gateUp, Weight[] down) {
    }
}
