package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.backend.HybridOps;
import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;

/**
 * The CPU implementation of {@link HybridOps} (Ling 2.5), fp32 throughout; {@link CpuBackend}
 * delegates to it. The attention kernels live in {@link CpuLightning} and {@link CpuMla}.
 */
final class CpuHybrid implements HybridOps {
    private final Parallel par;

    CpuHybrid(Parallel par) {
        this.par = par;
    }

    @Override
    public KvCache newHybridCache(LingConfig c) {
        return new CpuHybridCache(c, 64);
    }

    @Override
    public void groupRmsNorm(Tensor x, Weight w, int groups, float eps, Tensor out) {
        CpuTensor a = (CpuTensor) x;
        CpuTensor o = (CpuTensor) out;
        float[] g = ((CpuWeight) w).row(0);
        int n = a.cols;
        int size = n / groups;
        for (int t = 0; t < a.rows; t++) {
            for (int gi = 0; gi < groups; gi++) {
                int off = t * n + gi * size;
                float ss = 0;
                for (int i = 0; i < size; i++) {
                    ss += a.data[off + i] * a.data[off + i];
                }
                float r = (float) (1.0 / Math.sqrt(ss / size + eps));
                for (int i = 0; i < size; i++) {
                    o.data[off + i] = g[gi * size + i] * (a.data[off + i] * r);
                }
            }
        }
    }

    @Override
    public void sigmoidGate(Tensor x, Tensor gate) {
        float[] a = ((CpuTensor) x).data;
        float[] g = ((CpuTensor) gate).data;
        for (int i = 0; i < a.length; i++) {
            a[i] *= (float) (1.0 / (1.0 + Math.exp(-g[i])));
        }
    }

    @Override
    public void ropeInterleaved(Tensor x, int colOffset, int heads, int headStride, float[] invFreq, float ropeFactor,
                                int[] positions) {
        CpuTensor a = (CpuTensor) x;
        int half = invFreq.length;
        for (int t = 0; t < a.rows; t++) {
            for (int i = 0; i < half; i++) {
                float angle = positions[t] * invFreq[i]; // fp32, as the reference builds its tables
                float cos = (float) Math.cos(angle) * ropeFactor;
                float sin = (float) Math.sin(angle) * ropeFactor;
                for (int h = 0; h < heads; h++) {
                    int off = t * a.cols + colOffset + h * headStride + 2 * i;
                    float u1 = a.data[off];
                    float u2 = a.data[off + 1];
                    a.data[off] = u1 * cos - u2 * sin;
                    a.data[off + 1] = u2 * cos + u1 * sin;
                }
            }
        }
    }

    @Override
    public void lightningAttention(Tensor qkv, BatchLayout layout, int slot, float[] logDecay, int heads, int headDim,
                                   Tensor out) {
        CpuLightning.forward(par, (CpuTensor) qkv, layout, slot, logDecay, heads, headDim, (CpuTensor) out);
    }

    @Override
    public void mlaAttention(Tensor q, Tensor ckv, Tensor kRope, Weight kvB, BatchLayout layout, int slot,
                             LingConfig config, float scale, Tensor out) {
        CpuMla.forward(par, (CpuTensor) q, (CpuTensor) ckv, (CpuTensor) kRope, (CpuWeight) kvB, layout, slot, config,
                scale, (CpuTensor) out);
    }

    @Override
    public float[] linearState(KvCache cache, int slot) {
        return ((CpuHybridCache) cache).state[slot].clone();
    }
}
