package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.AttentionSpec;
import io.lingspark.engine.step.ForwardBatch;

/**
 * Causal GQA attention over each sequence's paged cache (§2.4 steps 5–6): the step's K and V are
 * written into the sequence's blocks first, then query head j attends with kv head ⌊j / (nh/nkv)⌋
 * to every cached position up to its own, softmax in fp32 with the spec's scale (1/√d). Scores and
 * the weighted sum of V in vector code (the scalar loops were a fifth of a 256-token prefill once the
 * matrix products were tiled); each (token, head) is still computed on its own, so a token's output
 * does not depend on the tokens sharing its step.
 */
final class CpuAttention {
    private CpuAttention() {
    }

    static void gqa(Parallel par, CpuTensor qkv, ForwardBatch batch, CpuCachePool cache, int layer, AttentionSpec a,
                    CpuTensor out) {
        int nh = a.heads();
        int d = a.headDim();
        int kvw = a.kvWidth();
        int group = nh / a.kvHeads();
        float scale = a.scale();
        // 1. Write K, V of the new tokens at their positions.
        for (ForwardBatch.Seq s : batch.seqs()) {
            int[] table = s.blockTable();
            cache.ensure(table, s.numComputed(), s.length(), layer);
            for (int i = 0; i < s.numNew(); i++) {
                int p = s.numComputed() + i;
                int src = (s.firstRow() + i) * qkv.cols;
                int dst = cache.offset(table, p, layer);
                System.arraycopy(qkv.data, src + nh * d, cache.kChunk(table, p, layer), dst, kvw);
                System.arraycopy(qkv.data, src + nh * d + kvw, cache.vChunk(table, p, layer), dst, kvw);
            }
        }
        // 2. One task per (token, KV head): the group's query heads share every K and V row it reads
        //    (read once, not once per query head), walked block by block (no division per position).
        int[] rowSeq = batch.rowSeq();
        int nkv = a.kvHeads();
        par.forRange(batch.rows() * nkv, 1, task -> {
            int t = task / nkv;
            int g = task % nkv;
            ForwardBatch.Seq s = batch.seqs().get(rowSeq[t]);
            int pos = s.numComputed() + (t - s.firstRow());
            int qOff = t * qkv.cols + g * group * d;
            int oOff = t * out.cols + g * group * d;
            group(qkv.data, qOff, s.blockTable(), pos, cache, layer, g * d, group, d, scale, out.data, oOff);
        });
    }

    /**
     * Heads h0 .. h0+n of one token (their queries at q[qOff + j·d], outputs at out[oOff + j·d]) against
     * the cached positions 0..pos of one KV head (at kvOff in each row). Every head's scores, softmax
     * and weighted V sum are the arithmetic of a head computed alone: scores by {@link VecOps#dotOrdered}
     * (dotOrdered4 over 4 heads at one position is the same 4 chains: fma(k, q) = fma(q, k)), then the
     * V rows added in position order.
     */
    private static void group(float[] q, int qOff, int[] table, int pos, CpuCachePool cache, int layer, int kvOff,
                              int n, int d, float scale, float[] out, int oOff) {
        float[][] scores = new float[n][pos + 1];
        float[] lanes = new float[8];
        float[] four = new float[4];
        float[][] rows = new float[pos + 1][]; // each position's K row, then its V row
        int[] offs = new int[pos + 1];
        cache.rowsOf(table, pos + 1, layer, false, kvOff, rows, offs);
        for (int p = 0; p <= pos; p++) {
            float[] kc = rows[p];
            int row = offs[p];
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int qj = qOff + j * d;
                VecOps.dotOrdered4(kc, row, q, qj, q, qj + d, q, qj + 2 * d, q, qj + 3 * d, d, lanes, four, 0);
                scores[j][p] = four[0];
                scores[j + 1][p] = four[1];
                scores[j + 2][p] = four[2];
                scores[j + 3][p] = four[3];
            }
            for (; j < n; j++) {
                scores[j][p] = VecOps.dotOrdered(q, qOff + j * d, kc, row, d, lanes);
            }
        }
        for (int j = 0; j < n; j++) {
            float[] sc = scores[j];
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p <= pos; p++) {
                sc[p] *= scale;
                max = Math.max(max, sc[p]);
            }
            float sum = 0;
            for (int p = 0; p <= pos; p++) {
                sc[p] = (float) Math.exp(sc[p] - max);
                sum += sc[p];
            }
            float inv = 1f / sum;
            for (int p = 0; p <= pos; p++) {
                sc[p] *= inv;
            }
            java.util.Arrays.fill(out, oOff + j * d, oOff + (j + 1) * d, 0f);
        }
        // 3. Σ_p score · V row. Four heads at a time keep their sums in registers across positions
        //    (VecOps.weightedSum4, the same arithmetic as addScaled row by row).
        cache.rowsOf(table, pos + 1, layer, true, kvOff, rows, offs);
        int j = 0;
        if (d % 16 == 0) {
            for (; j + 4 <= n; j += 4) {
                VecOps.weightedSum4(scores[j], scores[j + 1], scores[j + 2], scores[j + 3], rows, offs, pos + 1, d,
                    out, oOff + j * d);
            }
        }
        for (int p = 0; p <= pos && j < n; p++) { // heads left over (fewer than 4), position by position
            for (int jj = j; jj < n; jj++) {
                VecOps.addScaled(scores[jj][p], rows[p], offs[p], out, oOff + jj * d, d);
            }
        }
    }
}
