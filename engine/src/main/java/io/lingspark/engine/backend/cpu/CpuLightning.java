package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.LinearAttentionSpec;
import io.lingspark.engine.step.ForwardBatch;

/**
 * Lightning linear attention (§5.1) for each (sequence, head): simple gated linear attention with a
 * constant per-head decay λ = exp(g) and an fp32 state S [d (key), d (value)]:
 * S_t = λ S_{t−1} + k_tᵀ v_t, o_t = d^(−1/2) q_t S_t.
 * <p>
 * Prefill runs the recurrence token by token, like decode. The chunked form (blocks of C tokens,
 * intra-block attention with a decay mask plus the carried state) does the same work on a CPU (2d²
 * + Cd per token against 2d²) but rounds differently wherever a block starts, so a token's output
 * would depend on how the prompt was split into steps; with the recurrence every token is computed
 * alike however the steps fall (a prefix resumed from a cached state, a chunked prefill, a batch),
 * bit for bit. S [d, d] of one head stays in the L1 cache. Heads are independent, so the work is split
 * over (sequence, head) pairs.
 */
final class CpuLightning {
    private CpuLightning() {
    }

    static void forward(Parallel par, CpuTensor qkv, ForwardBatch batch, CpuCachePool cache, int layer,
                        LinearAttentionSpec spec, CpuTensor out) {
        int heads = spec.heads();
        int d = spec.headDim();
        float[] logDecay = spec.logDecay();
        int nSeqs = batch.seqs().size();
        // States first, on this thread: a sequence with nothing computed yet starts from zero (a fresh
        // slot, or a preempted sequence recomputing from its first token); one whose first tokens came
        // from the prefix cache starts from the snapshot saved where that prefix ends.
        float[][] states = new float[nSeqs][];
        for (int i = 0; i < nSeqs; i++) {
            ForwardBatch.Seq s = batch.seqs().get(i);
            states[i] = cache.stateOf(s.stateSlot(), layer);
            if (s.numComputed() == 0) {
                java.util.Arrays.fill(states[i], 0f);
            } else if (s.restoreFrom() >= 0) {
                System.arraycopy(cache.stateOf(s.restoreFrom(), layer), 0, states[i], 0, states[i].length);
            }
        }
        float scale = (float) (1.0 / Math.sqrt(d));
        float[] lambda = new float[heads];
        for (int h = 0; h < heads; h++) {
            lambda[h] = (float) Math.exp(logDecay[h]);
        }
        par.forRange(nSeqs * heads, 1, task -> {
            ForwardBatch.Seq ch = batch.seqs().get(task / heads);
            int h = task % heads;
            float[] s = states[task / heads];
            int sOff = h * d * d;
            for (int r = 0; r < ch.numNew(); r++) {
                recurrentStep(qkv, ch.firstRow() + r, h, heads, d, scale, lambda[h], s, sOff, out);
            }
        });
        // A chunk that ends where a shared prefix ends leaves its state as that prefix's snapshot.
        for (int i = 0; i < nSeqs; i++) {
            int to = batch.seqs().get(i).saveTo();
            if (to >= 0) {
                System.arraycopy(states[i], 0, cache.stateOf(to, layer), 0, states[i].length);
            }
        }
    }

    /** One token: S = λS + kᵀv, then o = d^(−1/2) q S. */
    private static void recurrentStep(CpuTensor qkv, int row, int h, int heads, int d, float scale, float lambda,
                                      float[] s, int sOff, CpuTensor out) {
        int base = row * qkv.cols;
        int q = base + h * d;
        int k = base + (heads + h) * d;
        int v = base + (2 * heads + h) * d;
        int o = row * out.cols + h * d;
        for (int j = 0; j < d; j++) {
            out.data[o + j] = 0;
        }
        for (int i = 0; i < d; i++) {
            int r = sOff + i * d;
            VecOps.scaleAxpy(lambda, qkv.data[k + i], qkv.data, v, s, r, d);
            VecOps.axpy(qkv.data[q + i] * scale, s, r, out.data, o, d);
        }
    }
}
