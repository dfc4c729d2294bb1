package io.lingspark.engine.model;

/**
 * Per-head decay of the Lightning linear-attention layers (§5.1): ALiBi slopes scaled by a layer
 * factor. The HF reference's factor is f_ℓ = 1 − (ℓ − 1)/(L − 1) + 1e−5 with ℓ the global layer
 * index (vLLM/SGLang use ℓ instead of ℓ − 1; HF is what the logits must match), and the log-decay
 * is g_h = −slope_h · f_ℓ, constant over time, so λ_h = exp(g_h).
 */
public final class LightningDecay {
    private LightningDecay() {
    }

    /**
     * ALiBi slopes for n heads. A power of two: start = 2^(−2^(−(log2 n − 3))), slope_i = start^(i+1).
     * Otherwise the slopes of the closest lower power of two p, then every other slope of the 2p list
     * until there are n.
     */
    public static double[] slopes(int n) {
        if (Integer.bitCount(n) == 1) {
            double start = Math.pow(2, -Math.pow(2, -(log2(n) - 3)));
            double[] s = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = start * Math.pow(start, i);
            }
            return s;
        }
        int p = Integer.highestOneBit(n);
        double[] base = slopes(p);
        double[] twice = slopes(2 * p);
        double[] s = new double[n];
        System.arraycopy(base, 0, s, 0, p);
        for (int i = 0; i < n - p; i++) {
            s[p + i] = twice[2 * i];
        }
        return s;
    }

    /** g_h = −slope_h · (1 − (ℓ − 1)/(L − 1) + 1e−5) for global layer ℓ of L, in fp32 like the reference buffer. */
    public static float[] logDecay(int heads, int layer, int numLayers) {
        double[] s = slopes(heads);
        // L = 1 has no linear layer (its only layer is the MLA tail); guard the division anyway.
        float factor = (float) (1 - (double) (layer - 1) / Math.max(1, numLayers - 1) + 1e-5);
        float[] g = new float[heads];
        for (int h = 0; h < heads; h++) {
            g[h] = -((float) s[h]) * factor;
        }
        return g;
    }

    private static double log2(int n) {
        return Math.log(n) / Math.log(2);
    }
}
