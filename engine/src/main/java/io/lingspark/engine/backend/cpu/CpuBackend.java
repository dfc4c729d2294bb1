package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.backend.HostMatrix;
import io.lingspark.engine.backend.HybridOps;
import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import java.util.SplittableRandom;

/**
 * The pure-Java reference backend: fp32 arithmetic over weights kept in their stored precision, on
 * every core (matrix products split over output rows; attention over (token, head) pairs).
 */
public final class CpuBackend implements Backend, HybridOps {
    final Parallel par;
    private final CpuHybrid hybrid; // the Ling 2.5 ops (HybridOps), delegated to

    public CpuBackend(int threads) {
        this.par = new Parallel(threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads);
        this.hybrid = new CpuHybrid(par);
    }

    @Override
    public String name() {
        return "cpu(" + par.threads + " threads)";
    }

    public int threads() {
        return par.threads;
    }

    @Override
    public Weight upload(HostMatrix m) {
        return new CpuWeight(m.rows(), m.cols(), m.bf16(), m.f32());
    }

    @Override
    public Weight random(String name, int rows, int cols, long seed, float scale) {
        short[] data = new short[Math.multiplyExact(rows, cols)];
        int chunk = 1 << 16;
        // Chunks seeded independently so generation is parallel and still deterministic.
        par.forRange((data.length + chunk - 1) / chunk, 1, c -> {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + c);
            int end = Math.min(data.length, (c + 1) * chunk);
            for (int i = c * chunk; i < end; i++) {
                float v = (float) (r.nextDouble() * 2 - 1) * scale;
                data[i] = (short) (Float.floatToRawIntBits(v) >>> 16);
            }
        });
        return new CpuWeight(rows, cols, data, null);
    }

    @Override
    public Tensor alloc(int rows, int cols) {
        return new CpuTensor(rows, cols);
    }

    @Override
    public KvCache newKvCache(LingConfig c) {
        return new CpuKvCache(c.numLayers, c.numKvHeads * c.headDim, 64);
    }

    @Override
    public void embedding(Weight table, int[] ids, Tensor out) {
        CpuWeight w = (CpuWeight) table;
        CpuTensor o = (CpuTensor) out;
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0 || ids[t] >= w.rows) {
                throw new IllegalArgumentException("token id " + ids[t] + " outside the vocabulary [0, " + w.rows + ")");
            }
            for (int c = 0; c < w.cols; c++) {
                o.data[t * w.cols + c] = w.get(ids[t], c);
            }
        }
    }

    @Override
    public void rmsNorm(Tensor x, Weight w, float eps, Tensor out) {
        CpuTensor a = (CpuTensor) x;
        CpuTensor o = (CpuTensor) out;
        float[] g = ((CpuWeight) w).row(0);
        int n = a.cols;
        for (int t = 0; t < a.rows; t++) {
            rmsNormRow(a.data, t * n, n, g, eps, o.data, t * n);
        }
    }

    static void rmsNormRow(float[] x, int off, int n, float[] g, float eps, float[] out, int ooff) {
        float ss = 0;
        for (int i = 0; i < n; i++) {
            ss += x[off + i] * x[off + i];
        }
        float r = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[ooff + i] = g[i] * (x[off + i] * r);
        }
    }

    @Override
    public void matmul(Tensor x, Weight w, Tensor out) {
        CpuTensor a = (CpuTensor) x;
        CpuWeight b = (CpuWeight) w;
        CpuTensor o = (CpuTensor) out;
        if (a.cols != b.cols || o.cols != b.rows || o.rows != a.rows) {
            throw new IllegalArgumentException("matmul shapes [" + a.rows + "," + a.cols + "]·[" + b.rows + "," + b.cols
                    + "]ᵀ → [" + o.rows + "," + o.cols + "]");
        }
        int blocks = Math.min(b.rows, par.threads * 8);
        int per = (b.rows + blocks - 1) / blocks;
        par.forRange(blocks, 1, blk -> {
            int n0 = blk * per;
            int n1 = Math.min(b.rows, n0 + per);
            if (n0 < n1) {
                MatmulKernels.matmulRows(a.data, a.rows, b, o.data, n0, n1);
            }
        });
    }

    @Override
    public void qkNormRope(Tensor x, int colOffset, int heads, int headDim, Weight norm, float eps,
                           int ropeDim, float[] invFreq, float ropeFactor, int[] positions) {
        CpuTensor a = (CpuTensor) x;
        float[] g = norm != null ? ((CpuWeight) norm).row(0) : null;
        int half = ropeDim / 2;
        par.forRange(a.rows, 8, t -> {
            float[] cos = new float[half];
            float[] sin = new float[half];
            for (int i = 0; i < half; i++) {
                float angle = positions[t] * invFreq[i]; // fp32, as the reference builds its tables
                cos[i] = (float) Math.cos(angle) * ropeFactor;
                sin[i] = (float) Math.sin(angle) * ropeFactor;
            }
            for (int h = 0; h < heads; h++) {
                int off = t * a.cols + colOffset + h * headDim;
                if (g != null) {
                    rmsNormRow(a.data, off, headDim, g, eps, a.data, off);
                }
                // NeoX rotate-half on the first ropeDim components: pairs (i, i + ropeDim/2).
                for (int i = 0; i < half; i++) {
                    float u1 = a.data[off + i];
                    float u2 = a.data[off + i + half];
                    a.data[off + i] = u1 * cos[i] - u2 * sin[i];
                    a.data[off + i + half] = u2 * cos[i] + u1 * sin[i];
                }
            }
        });
    }

    @Override
    public void attention(Tensor qkv, BatchLayout layout, int layer, LingConfig c, Tensor out) {
        CpuAttention.gqa(this, (CpuTensor) qkv, layout, layer, c, (CpuTensor) out);
    }

    @Override
    public void siluMul(Tensor gateUp, Tensor out) {
        CpuTensor gu = (CpuTensor) gateUp;
        CpuTensor o = (CpuTensor) out;
        int n = o.cols;
        for (int t = 0; t < gu.rows; t++) {
            int gOff = t * gu.cols;
            for (int i = 0; i < n; i++) {
                float g = gu.data[gOff + i];
                float silu = (float) (g / (1.0 + Math.exp(-g)));
                o.data[t * n + i] = silu * gu.data[gOff + n + i];
            }
        }
    }

    @Override
    public void add(Tensor x, Tensor y) {
        float[] a = ((CpuTensor) x).data;
        float[] b = ((CpuTensor) y).data;
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    @Override
    public void moe(Tensor x, MoeWeights w, LingConfig c, Tensor out, int[] chosen) {
        CpuMoe.forward(this, (CpuTensor) x, w, c, (CpuTensor) out, chosen);
    }

    @Override
    public Tensor rows(Tensor src, int[] rowIndices) {
        CpuTensor s = (CpuTensor) src;
        CpuTensor o = new CpuTensor(rowIndices.length, s.cols);
        for (int i = 0; i < rowIndices.length; i++) {
            System.arraycopy(s.data, rowIndices[i] * s.cols, o.data, i * s.cols, s.cols);
        }
        return o;
    }

    @Override
    public float[] toHost(Tensor t) {
        return ((CpuTensor) t).data;
    }

    @Override
    public void free(Tensor t) {
        // heap memory
    }

    @Override
    public void close() {
        par.close();
    }

    // ---- HybridOps (Ling 2.5): see CpuHybrid ----

    @Override
    public KvCache newHybridCache(LingConfig config) {
        return hybrid.newHybridCache(config);
    }

    @Override
    public void groupRmsNorm(Tensor x, Weight w, int groups, float eps, Tensor out) {
        hybrid.groupRmsNorm(x, w, groups, eps, out);
    }

    @Override
    public void sigmoidGate(Tensor x, Tensor gate) {
        hybrid.sigmoidGate(x, gate);
    }

    @Override
    public void ropeInterleaved(Tensor x, int colOffset, int heads, int headStride, float[] invFreq, float ropeFactor,
                                int[] positions) {
        hybrid.ropeInterleaved(x, colOffset, heads, headStride, invFreq, ropeFactor, positions);
    }

    @Override
    public void lightningAttention(Tensor qkv, BatchLayout layout, int slot, float[] logDecay, int heads, int headDim,
                                   Tensor out) {
        hybrid.lightningAttention(qkv, layout, slot, logDecay, heads, headDim, out);
    }

    @Override
    public void mlaAttention(Tensor q, Tensor ckv, Tensor kRope, Weight kvB, BatchLayout layout, int slot,
                             LingConfig config, float scale, Tensor out) {
        hybrid.mlaAttention(q, ckv, kRope, kvB, layout, slot, config, scale, out);
    }

    @Override
    public float[] linearState(KvCache cache, int slot) {
        return hybrid.linearState(cache, slot);
    }
}
