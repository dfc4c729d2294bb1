package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.LinearAttentionSpec;
import io.lingspark.engine.step.ForwardBatch;

/**
 * Lightning linear attention (§5.1) for each (sequence, head): simple gated linear attention with a
 * constant per-head decay λ = exp(g) and an fp32 state S [d (key), d (value)]:
 * S_t = λ S_{t−1} + k_tᵀ v_t, o_t = d^(−1/2) q_t S_t.
 * <p>
 * Prefill uses the chunked form, blocks of C = 64 tokens with the carried state S₀; inside a block
 * (1-based i, j) o_i = d^(−1/2)[λ^i q_i S₀ + Σ_{j≤i} λ^{i−j} (q_i·k_j) v_j] and
 * S_out = λ^C S₀ + Σ_j λ^{C−j} k_jᵀ v_j. It costs O(C²d + Cd²) per block instead of a d×d state update
 * per token. A one-token step (decode) uses the recurrence directly. Heads are independent, so the
 * work is split over (sequence, head) pairs.
 */
final class CpuLightning {
    static final int CHUNK = 64;

    private CpuLightning() {
    }

    static void forward(Parallel par, CpuTensor qkv, ForwardBatch batch, CpuCachePool cache, int layer,
                        LinearAttentionSpec spec, CpuTensor out) {
        int heads = spec.heads();
        int d = spec.headDim();
        float[] logDecay = spec.logDecay();
        int nSeqs = batch.seqs().size();
        // States first, on this thread: a sequence with nothing computed yet starts from zero (a fresh
        // slot, or a preempted sequence recomputing from its first token).
        float[][] states = new float[nSeqs][];
        for (int i = 0; i < nSeqs; i++) {
            ForwardBatch.Seq s = batch.seqs().get(i);
            states[i] = cache.stateOf(s.stateSlot(), layer);
            if (s.numComputed() == 0) {
                java.util.Arrays.fill(states[i], 0f);
            }
        }
        float scale = (float) (1.0 / Math.sqrt(d));
        par.forRange(nSeqs * heads, 1, task -> {
            ForwardBatch.Seq ch = batch.seqs().get(task / heads);
            int h = task % heads;
            float[] s = states[task / heads];
            int sOff = h * d * d;
            // λ^n for n = 0..C, from the log-decay so long powers stay accurate.
            float[] pow = new float[CHUNK + 1];
            for (int n = 0; n <= CHUNK; n++) {
                pow[n] = (float) Math.exp((double) logDecay[h] * n);
            }
            if (ch.numNew() == 1) {
                recurrentStep(qkv, ch.firstRow(), h, heads, d, scale, pow[1], s, sOff, out);
                return;
            }
            for (int b = 0; b < ch.numNew(); b += CHUNK) {
                int c = Math.min(CHUNK, ch.numNew() - b);
                chunk(qkv, ch.firstRow() + b, c, h, heads, d, scale, pow, s, sOff, out);
            }
        });
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

    /** One block of c tokens starting at row r0, against the carried state (updated on return). */
    private static void chunk(CpuTensor qkv, int r0, int c, int h, int heads, int d, float scale, float[] pow,
                              float[] s, int sOff, CpuTensor out) {
        int w = qkv.cols;
        int qCol = h * d;
        int kCol = (heads + h) * d;
        int vCol = (2 * heads + h) * d;
        float[] qs = new float[d];
        for (int i = 0; i < c; i++) {
            int qRow = (r0 + i) * w + qCol;
            int o = (r0 + i) * out.cols + h * d;
            for (int x = 0; x < d; x++) {
                qs[x] = qkv.data[qRow + x] * scale;
            }
            // Inter-chunk: λ^(i+1) q_i S₀ (i is 0-based here, the spec's position i+1).
            float decay = pow[i + 1];
            for (int j = 0; j < d; j++) {
                out.data[o + j] = 0;
            }
            for (int x = 0; x < d; x++) {
                VecOps.axpy(qs[x] * decay, s, sOff + x * d, out.data, o, d);
            }
            // Intra-chunk: Σ_{j ≤ i} λ^(i−j) (q_i·k_j) v_j, the decay mask of the causal block.
            for (int j = 0; j <= i; j++) {
                float a = VecOps.dot(qs, 0, qkv.data, (r0 + j) * w + kCol, d) * pow[i - j];
                VecOps.axpy(a, qkv.data, (r0 + j) * w + vCol, out.data, o, d);
            }
        }
        // State carried out of the block: λ^c S₀ + Σ_j λ^(c−1−j) k_jᵀ v_j (0-based j).
        float carry = pow[c];
        for (int x = 0; x < d * d; x++) {
            s[sOff + x] *= carry;
        }
        for (int j = 0; j < c; j++) {
            int kRow = (r0 + j) * w + kCol;
            int vRow = (r0 + j) * w + vCol;
            float dj = pow[c - 1 - j];
            for (int x = 0; x < d; x++) {
                VecOps.axpy(qkv.data[kRow + x] * dj, qkv.data, vRow, s, sOff + x * d, d);
            }
        }
    }
}
