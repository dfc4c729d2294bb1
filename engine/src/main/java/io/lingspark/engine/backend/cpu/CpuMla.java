package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.config.LingConfig;

/**
 * MLA attention (§5.1) over the compressed cache, with kv_b_proj absorbed (the DeepSeek trick):
 * per head h, kv_b_proj holds W_k[h] [nope, kv_lora] then W_v[h] [v, kv_lora]. Since
 * k_nope[p] = W_k[h] c[p] and v[p] = W_v[h] c[p] for the cached normed latent c[p],
 * q_nope·k_nope[p] = (W_k[h]ᵀ q_nope)·c[p] and Σ_p a_p v[p] = W_v[h] (Σ_p a_p c[p]). So the score
 * needs one kv_lora-wide dot product per cached token and the expansion happens once per query
 * instead of once per cached token; in fp32 it is the same function as expanding K and V.
 */
final class CpuMla {
    private CpuMla() {
    }

    static void forward(Parallel par, CpuTensor q, CpuTensor ckv, CpuTensor kRope, CpuWeight kvB, BatchLayout layout,
                        int slot, LingConfig c, float scale, CpuTensor out) {
        int nh = c.numHeads;
        int nope = c.qkNopeHeadDim;
        int rope = c.qkRopeHeadDim;
        int vd = c.vHeadDim;
        int lora = c.kvLoraRank;
        int qkd = nope + rope;
        // 1. Append this step's latent rows [c_kv | k_rope] at their positions.
        for (BatchLayout.Chunk ch : layout.chunks()) {
            CpuHybridCache cache = (CpuHybridCache) ch.cache();
            cache.ensure(ch.startPos() + ch.length());
            float[] lat = cache.latent[slot];
            int w = cache.latentWidth;
            for (int i = 0; i < ch.length(); i++) {
                int dst = (ch.startPos() + i) * w;
                System.arraycopy(ckv.data, (ch.row() + i) * lora, lat, dst, lora);
                System.arraycopy(kRope.data, (ch.row() + i) * rope, lat, dst + lora, rope);
            }
        }
        int rows = layout.rows();
        int[] rowChunk = new int[rows];
        for (int ci = 0; ci < layout.chunks().size(); ci++) {
            BatchLayout.Chunk ch = layout.chunks().get(ci);
            for (int i = 0; i < ch.length(); i++) {
                rowChunk[ch.row() + i] = ci;
            }
        }
        // 2. One task per (token, head).
        par.forRange(rows * nh, 2, task -> {
            int t = task / nh;
            int h = task % nh;
            BatchLayout.Chunk ch = layout.chunks().get(rowChunk[t]);
            CpuHybridCache cache = (CpuHybridCache) ch.cache();
            float[] lat = cache.latent[slot];
            int w = cache.latentWidth;
            int pos = ch.startPos() + (t - ch.row());
            int qOff = t * q.cols + h * qkd;
            int wRow = h * (nope + vd);
            // q absorbed into latent space: W_k[h]ᵀ q_nope [kv_lora].
            float[] qLat = new float[lora];
            for (int i = 0; i < nope; i++) {
                VecOps.axpyRow(q.data[qOff + i], kvB, wRow + i, qLat);
            }
            float[] scores = new float[pos + 1];
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p <= pos; p++) {
                int off = p * w;
                float s = VecOps.dot(qLat, 0, lat, off, lora) + VecOps.dot(q.data, qOff + nope, lat, off + lora, rope);
                s *= scale;
                scores[p] = s;
                max = Math.max(max, s);
            }
            float sum = 0;
            for (int p = 0; p <= pos; p++) {
                scores[p] = (float) Math.exp(scores[p] - max);
                sum += scores[p];
            }
            // Attention-weighted latent, then expanded by W_v[h].
            float[] ctx = new float[lora];
            float inv = 1f / sum;
            for (int p = 0; p <= pos; p++) {
                VecOps.axpy(scores[p] * inv, lat, p * w, ctx, 0, lora);
            }
            int oOff = t * out.cols + h * vd;
            for (int j = 0; j < vd; j++) {
                MatmulKernels.dotRows(kvB, wRow + nope + j, ctx, 0, 0, 1, out.data, oOff + j, 0);
            }
        });
    }
}
