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
        // 2. One task per (token, head).
        int[] rowSeq = batch.rowSeq();
        par.forRange(batch.rows() * nh, 4, task -> {
            int t = task / nh;
            int h = task % nh;
            ForwardBatch.Seq s = batch.seqs().get(rowSeq[t]);
            int[] table = s.blockTable();
            int pos = s.numComputed() + (t - s.firstRow());
            int qOff = t * qkv.cols + h * d;
            int kvOff = (h / group) * d;
            float[] scores = new float[pos + 1];
            float[] lanes = new float[8];
            int p = 0;
            for (; p + 4 <= pos + 1; p += 4) { // 4 positions' scores at once, each the same as alone
                VecOps.dotOrdered4(qkv.data, qOff, cache.kChunk(table, p, layer), cache.offset(table, p, layer) + kvOff,
                    cache.kChunk(table, p + 1, layer), cache.offset(table, p + 1, layer) + kvOff,
                    cache.kChunk(table, p + 2, layer), cache.offset(table, p + 2, layer) + kvOff,
                    cache.kChunk(table, p + 3, layer), cache.offset(table, p + 3, layer) + kvOff, d, lanes, scores, p);
            }
            for (; p <= pos; p++) {
                scores[p] = VecOps.dotOrdered(qkv.data, qOff, cache.kChunk(table, p, layer),
                    cache.offset(table, p, layer) + kvOff, d, lanes);
            }
            float max = Float.NEGATIVE_INFINITY;
            for (p = 0; p <= pos; p++) {
                scores[p] *= scale;
                max = Math.max(max, scores[p]);
            }
            float sum = 0;
            for (p = 0; p <= pos; p++) {
                scores[p] = (float) Math.exp(scores[p] - max);
                sum += scores[p];
            }
            int oOff = t * out.cols + h * d;
            for (int i = 0; i < d; i++) {
                out.data[oOff + i] = 0;
            }
            float inv = 1f / sum;
            for (p = 0; p <= pos; p++) {
                float pr = scores[p] * inv;
                float[] v = cache.vChunk(table, p, layer);
                int vOff = cache.offset(table, p, layer) + kvOff;
                VecOps.addScaled(pr, v, vOff, out.data, oOff, d);
            }
        });
    }
}
