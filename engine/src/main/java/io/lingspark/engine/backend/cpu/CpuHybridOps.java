package io.lingspark.engine.backend.cpu;

/**
 * The elementwise Ling 2.5 ops on the CPU, fp32 throughout (the attention kernels live in
 * {@link CpuLightning} and {@link CpuMla}); parallel over rows or element blocks as the backend's
 * other elementwise ops ({@link CpuBackend#ELEMENTS_PER_JOB}), each element computed as alone.
 */
final class CpuHybridOps {
    private CpuHybridOps() {
    }

    /** GroupRMSNorm: each of groups equal column groups normed on its own, then × w. */
    static void groupRmsNorm(Parallel par, CpuTensor a, float[] g, int groups, float eps, CpuTensor o) {
        int n = a.cols;
        int size = n / groups;
        par.forRange(a.rows, Math.max(1, CpuBackend.ELEMENTS_PER_JOB / n), t -> {
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
        });
    }

    /** x ⊙= sigmoid(gate). */
    static void sigmoidGate(Parallel par, float[] a, float[] g) {
        int per = CpuBackend.ELEMENTS_PER_JOB;
        par.forRange((a.length + per - 1) / per, 1, c -> {
            int end = Math.min(a.length, (c + 1) * per);
            for (int i = c * per; i < end; i++) {
                a[i] *= (float) (1.0 / (1.0 + Math.exp(-g[i])));
            }
        });
    }

    /** Interleaved (GPT-J) RoPE in place over heads at colOffset + h·headStride. */
    static void ropeInterleaved(Parallel par, CpuTensor a, int colOffset, int heads, int headStride, float[] invFreq,
                                float ropeFactor, int[] positions) {
        int half = invFreq.length;
        par.forRange(a.rows, 8, t -> {
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
        });
    }
}
