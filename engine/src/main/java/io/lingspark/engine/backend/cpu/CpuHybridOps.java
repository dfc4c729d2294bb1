package io.lingspark.engine.backend.cpu;

/**
 * The elementwise Ling 2.5 ops on the CPU, fp32 throughout (the attention kernels live in
 * {@link CpuLightning} and {@link CpuMla}).
 */
final class CpuHybridOps {
    private CpuHybridOps() {
    }

    /** GroupRMSNorm: each of groups equal column groups normed on its own, then × w. */
    static void groupRmsNorm(CpuTensor a, float[] g, int groups, float eps, CpuTensor o) {
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

    /** x ⊙= sigmoid(gate). */
    static void sigmoidGate(float[] a, float[] g) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= (float) (1.0 / (1.0 + Math.exp(-g[i])));
        }
    }

    /** Interleaved (GPT-J) RoPE in place over heads at colOffset + h·headStride. */
    static void ropeInterleaved(CpuTensor a, int colOffset, int heads, int headStride, float[] invFreq, float ropeFactor,
                                int[] positions) {
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
}
