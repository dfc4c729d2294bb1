package io.lingspark.engine.config;

/**
 * YaRN rope scaling (ling-architecture.md §7). Only YaRN is supported: it is what Ling's README
 * documents for long context; any other {@code rope_scaling.type} is refused by {@link LingConfig}.
 *
 * @param factor              s: context extension factor
 * @param originalMaxPosition L_orig: the pre-training context length
 * @param betaFast            high-frequency boundary (default 32)
 * @param betaSlow            low-frequency boundary (default 1)
 * @param attentionFactor     explicit attention factor, or NaN when absent
 * @param mscale              {@code mscale}, or NaN when absent
 * @param mscaleAllDim        {@code mscale_all_dim}, or NaN when absent
 */
public record RopeScaling(double factor, int originalMaxPosition, double betaFast, double betaSlow,
                          double attentionFactor, double mscale, double mscaleAllDim) {

    /** get_mscale(s, m) = 0.1·m·ln(s) + 1, and 1 for s ≤ 1 (transformers' YaRN helper). */
    public static double getMscale(double scale, double m) {
        return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
    }

    /** The factor both cos and sin are multiplied by (§7 "attention factor"). */
    public double cosSinFactor() {
        if (!Double.isNaN(attentionFactor)) {
            return attentionFactor;
        }
        if (!Double.isNaN(mscale) && !Double.isNaN(mscaleAllDim)) {
            return getMscale(factor, mscale) / getMscale(factor, mscaleAllDim);
        }
        return getMscale(factor, 1.0);
    }
}
