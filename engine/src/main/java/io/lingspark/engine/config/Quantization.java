package io.lingspark.engine.config;

/**
 * The checkpoint's {@code quantization_config}. Native Ling FP8 (§6.1) is supported: e4m3 weights
 * with {@code <name>_scale_inv} block scales. compressed-tensors (§6.2) is recognised so that it can
 * be refused with a precise message instead of failing later on a missing tensor.
 *
 * @param method    "fp8" or "compressed-tensors"
 * @param blockRows rows of a scale block (128)
 * @param blockCols columns of a scale block (128)
 */
public record Quantization(String method, int blockRows, int blockCols) {
    public boolean isNativeFp8() {
        return "fp8".equals(method);
    }
}
