package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.config.LingConfig;

/**
 * Causal GQA attention over each sequence's cache (§2.4 steps 5–6): the step's K and V are
 * appended first, then query head j attends with kv head ⌊j / (nh/nkv)⌋ to every cached position
 * up to its own, softmax in fp32 with scale 1/√d.
 */
final class CpuAttention {
    private CpuAttention() {
    }

    static void gqa(CpuBackend be, CpuTensor qkv, BatchLayout layout, int layer, LingConfig c, CpuTensor out) {
        int nh = c.numHeads;
        int nkv = c.numKvHeads;
        int d = c.headDim;
        int kvw = nkv * d;
        int group = nh / nkv;
        float scale = (float) (1.0 / Math.sqrt(d));
        // 1. Append K, V of the new tokens at their positions.
        for (BatchLayout.Chunk ch : layout.chunks()) {
            CpuKvCache cache = (CpuKvCache) ch.cache();
            cache.ensure(ch.startPos() + ch.length());
            float[] k = cache.k[layer];
            float[] v = cache.v[layer];
            for (int i = 0; i < ch.length(); i++) {
                int src = (ch.row() + i) * qkv.cols;
                int dst = (ch.startPos() + i) * kvw;
                System.arraycopy(qkv.data, src + nh * d, k, dst, kvw);
                System.arraycopy(qkv.data, src + nh * d + kvw, v, dst, kvw);
            }
        }
        // 2. One task per (token, head).
        int rows = layout.rows();
        int[] rowChunk = new int[rows];
        for (int ci = 0; ci < layout.chunks().size(); ci++) {
            BatchLayout.Chunk ch = layout.chunks().get(ci);
            for (int i = 0; i < ch.length(); i++) {
                rowChunk[ch.row() + i] = ci;
            }
        }
        be.par.forRange(rows * nh, 4, task -> {
            int t = task / nh;
            int h = task % nh;
            BatchLayout.Chunk ch = layout.chunks().get(rowChunk[t]);
            CpuKvCache cache = (CpuKvCache) ch.cache();
            float[] k = cache.k[layer];
            float[] v = cache.v[layer];
            int pos = ch.startPos() + (t - ch.row());
            int qOff = t * qkv.cols + h * d;
            int kvOff = (h / group) * d;
            float[] scores = new float[pos + 1];
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p <= pos; p++) {
                float s = 0;
                int kOff = p * kvw + kvOff;
                for (int i = 0; i < d; i++) {
                    s += qkv.data[qOff + i] * k[kOff + i];
                }
                s *= scale;
                scores[p] = s;
                max = Math.max(max, s);
            }
            float sum = 0;
            for (int p = 0; p <= pos; p++) {
                scores[p] = (float) Math.exp(scores[p] - max);
                sum += scores[p];
            }
            int oOff = t * out.cols + h * d;
            for (int i = 0; i < d; i++) {
                out.data[oOff + i] = 0;
            }
            float inv = 1f / sum;
            for (int p = 0; p <= pos; p++) {
                float pr = scores[p] * inv;
                int vOff = p * kvw + kvOff;
                for (int i = 0; i < d; i++) {
                    out.data[oOff + i] += pr * v[vOff + i];
                }
            }
        });
    }
}
