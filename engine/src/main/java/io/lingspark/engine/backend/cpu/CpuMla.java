package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.MlaSpec;
import io.lingspark.engine.step.ForwardBatch;

/**
 * MLA attention (§5.1) over the compressed paged cache, with kv_b_proj absorbed (the DeepSeek trick):
 * per head h, kv_b_proj holds W_k[h] [nope, kv_lora] then W_v[h] [v, kv_lora]. Since
 * k_nope[p] = W_k[h] c[p] and v[p] = W_v[h] c[p] for the cached normed latent c[p],
 * q_nope·k_nope[p] = (W_k[h]ᵀ q_nope)·c[p] and Σ_p a_p v[p] = W_v[h] (Σ_p a_p c[p]). So the score
 * needs one kv_lora-wide dot product per cached token and the expansion happens once per query
 * instead of once per cached token; in fp32 it is the same function as expanding K and V.
 */
final class CpuMla {
    private CpuMla() {
    }

    static void forward(Parallel par, CpuTensor q, CpuTensor ckv, CpuTensor kRope, CpuWeight kvB, ForwardBatch batch,
                        CpuCachePool cache, int layer, MlaSpec m, CpuTensor out) {
        int rope = m.ropeDim();
        int lora = m.kvLoraRank();
        // 1. Write this step's latent rows [c_kv | k_rope] at their positions.
        for (ForwardBatch.Seq s : batch.seqs()) {
            int[] table = s.blockTable();
            cache.ensure(table, s.numComputed(), s.length(), layer);
            for (int i = 0; i < s.numNew(); i++) {
                int p = s.numComputed() + i;
                float[] lat = cache.kChunk(table, p, layer);
                int dst = cache.offset(table, p, layer);
                System.arraycopy(ckv.data, (s.firstRow() + i) * lora, lat, dst, lora);
                System.arraycopy(kRope.data, (s.firstRow() + i) * rope, lat, dst + lora, rope);
            }
        }
        int[] rowSeq = batch.rowSeq();
        // 2. One task per head, over every token of the step: the head's kv_b rows [nope + vd, kv_lora]
        // are brought next to the cores once per step (bf16 as they are, else widened) and used by
        // every token, whatever the weights' storage (a mapped file).
        par.forRange(m.heads(), 1, h -> head(h, q, kvB, batch, rowSeq, cache, layer, m, out));
    }

    private static void head(int h, CpuTensor q, CpuWeight kvB, ForwardBatch batch, int[] rowSeq, CpuCachePool cache,
                             int layer, MlaSpec m, CpuTensor out) {
        int n = m.nopeDim() + m.vDim();
        int lora = m.kvLoraRank();
        short[] wb = kvB.bf16() ? headBf16(n * lora) : null;
        float[] wf = kvB.bf16() ? null : headF32(n * lora);
        if (wb != null) {
            kvB.bf16Rows(h * n, n, wb);
        } else {
            kvB.rowsInto(h * n, n, wf);
        }
        for (int t = 0; t < batch.rows(); t++) {
            token(t, h, wb, wf, q, batch.seqs().get(rowSeq[t]), cache, layer, m, out);
        }
    }

    /** Query row t, head h, against the sequence's cached latents; wb / wf hold the head's kv_b rows. */
    private static void token(int t, int h, short[] wb, float[] wf, CpuTensor q, ForwardBatch.Seq s, CpuCachePool cache,
                              int layer, MlaSpec m, CpuTensor out) {
        int nope = m.nopeDim();
        int rope = m.ropeDim();
        int vd = m.vDim();
        int lora = m.kvLoraRank();
        int[] table = s.blockTable();
        int pos = s.numComputed() + (t - s.firstRow());
        int qOff = t * q.cols + h * (nope + rope);
        // q absorbed into latent space: W_k[h]ᵀ q_nope [kv_lora].
        float[] qLat = new float[lora];
        for (int i = 0; i < nope; i++) {
            if (wb != null) {
                VecOps.axpyBf16(q.data[qOff + i], wb, i * lora, qLat, lora);
            } else {
                VecOps.axpy(q.data[qOff + i], wf, i * lora, qLat, 0, lora);
            }
        }
        float[] scores = new float[pos + 1];
        float max = Float.NEGATIVE_INFINITY;
        // Each cached latent's row, found once for the scores and the weighted sum.
        float[][] rows = new float[pos + 1][];
        int[] offs = new int[pos + 1];
        cache.rowsOf(table, pos + 1, layer, false, 0, rows, offs);
        // Scores by VecOps.dotOrdered (lanes summed in lane order: the same bits compiled or not), four
        // positions at once with dotOrdered4 (the same numbers, four fma chains in flight instead of one).
        float[] lanes = new float[8];
        float[] four = new float[8]; // latent dots, then rope dots, of 4 positions
        int p = 0;
        for (; p + 4 <= pos + 1; p += 4) {
            VecOps.dotOrdered4(qLat, 0, rows[p], offs[p], rows[p + 1], offs[p + 1], rows[p + 2], offs[p + 2],
                rows[p + 3], offs[p + 3], lora, lanes, four, 0);
            VecOps.dotOrdered4(q.data, qOff + nope, rows[p], offs[p] + lora, rows[p + 1], offs[p + 1] + lora,
                rows[p + 2], offs[p + 2] + lora, rows[p + 3], offs[p + 3] + lora, rope, lanes, four, 4);
            for (int j = 0; j < 4; j++) {
                float sc = (four[j] + four[4 + j]) * m.scale();
                scores[p + j] = sc;
                max = Math.max(max, sc);
            }
        }
        for (; p <= pos; p++) {
            float sc = VecOps.dotOrdered(qLat, 0, rows[p], offs[p], lora, lanes)
                + VecOps.dotOrdered(q.data, qOff + nope, rows[p], offs[p] + lora, rope, lanes);
            sc *= m.scale();
            scores[p] = sc;
            max = Math.max(max, sc);
        }
        float sum = 0;
        for (p = 0; p <= pos; p++) {
            scores[p] = (float) Math.exp(scores[p] - max);
            sum += scores[p];
        }
        // Attention-weighted latent, then expanded by W_v[h].
        float[] ctx = new float[lora];
        float inv = 1f / sum;
        for (p = 0; p <= pos; p++) {
            scores[p] *= inv; // axpy's alpha, rounded as before
        }
        VecOps.axpyRows(scores, rows, offs, pos + 1, ctx, 0, lora); // Σ_p alpha_p · c[p], sums in registers
        int oOff = t * out.cols + h * vd;
        for (int j = 0; j < vd; j++) {
            MatmulKernels.dotRows(wb, wf, (nope + j) * lora, lora, ctx, 0, 0, 1, out.data, oOff + j, 0);
        }
    }

    private static final ThreadLocal<short[]> HEAD_BF16 = ThreadLocal.withInitial(() -> new short[0]);
    private static final ThreadLocal<float[]> HEAD_F32 = ThreadLocal.withInitial(() -> new float[0]);

    private static short[] headBf16(int n) {
        if (HEAD_BF16.get().length < n) {
            HEAD_BF16.set(new short[n]);
        }
        return HEAD_BF16.get();
    }

    private static float[] headF32(int n) {
        if (HEAD_F32.get().length < n) {
            HEAD_F32.set(new float[n]);
        }
        return HEAD_F32.get();
    }
}
