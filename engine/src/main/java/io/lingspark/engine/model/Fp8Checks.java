package io.lingspark.engine.model;

import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.config.Quantization;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.DType;
import io.lingspark.engine.weights.TensorInfo;
import java.util.Arrays;

/**
 * The FP8 side of {@link WeightLoader#validate}: which layout the checkpoint really is, detected from
 * quantization_config.quant_method and the scale tensors' names (§6.3: {@code weight_scale_inv} is
 * native Ling FP8, {@code weight_scale} is compressed-tensors), and whether each weight is stored the
 * way the config says. A mismatch is refused by name before anything is read, because reading a
 * scale of the wrong layout would not fail: it would run with wrong numbers.
 */
final class Fp8Checks {
    private Fp8Checks() {
    }

    /** A checkpoint tensor outside the plan that marks a layout or scheme the engine does not run. */
    static void checkExtraTensor(String name, Quantization q) {
        String method = q == null ? "none (no quantization_config)" : "'" + q.method() + "'";
        if (name.endsWith(".input_scale")) {
            throw new ModelLoadException("tensor '" + name + "' is a static activation scale (input_scale): static "
                    + "activation quantization is not supported (dynamic only)");
        }
        if (name.endsWith("_zero_point")) {
            throw new ModelLoadException("tensor '" + name + "' is a zero point: asymmetric quantization is not supported");
        }
        if (name.endsWith(".weight_scale") && (q == null || !q.isCompressedTensors())) {
            throw new ModelLoadException("tensor '" + name + "' is a compressed-tensors FP8 scale (weight_scale) but "
                    + "quantization_config.quant_method is " + method + " (compressed-tensors expected)");
        }
        if (name.endsWith(".weight_scale_inv") && (q == null || !q.isNativeFp8())) {
            throw new ModelLoadException("tensor '" + name + "' is a native Ling FP8 scale (weight_scale_inv) but "
                    + "quantization_config.quant_method is " + method + " (fp8 expected)");
        }
        // packed int4/nvfp4, GPTQ and FP4 global-scale companions of a compressed-tensors weight
        for (String s : new String[] {".weight_packed", ".weight_shape", ".weight_g_idx", ".weight_global_scale"}) {
            if (name.endsWith(s)) {
                throw new ModelLoadException("tensor '" + name + "' belongs to a packed/grouped compressed-tensors format "
                        + "(" + s.substring(1) + "): only float-quantized FP8 is supported");
            }
        }
    }

    /**
     * A planned tensor t: F8_E4M3 only where the config quantizes it (a linear weight, matched by a
     * target and no ignore entry), with a scale of the strategy's shape; a weight the config quantizes
     * must not be stored unquantized either, else the ignore list was not honoured.
     */
    static void checkWeight(Checkpoint ckpt, TensorInfo t, Quantization q, boolean linear) {
        String name = t.name();
        String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
        boolean ct = q != null && q.isCompressedTensors();
        if (t.dtype() != DType.F8_E4M3) {
            if (ct && linear && q.quantizes(module) && t.dtype() != DType.F8_E4M3) {
                throw new ModelLoadException("tensor '" + name + "' is " + t.dtype() + " but quantization_config "
                        + "(compressed-tensors) quantizes module '" + module + "' (it matches the targets and no ignore entry)");
            }
            return;
        }
        if (q == null || !linear) {
            throw new ModelLoadException("tensor '" + name + "' is F8_E4M3 but "
                    + (q == null ? "config.json has no quantization_config" : "that weight is never quantized"));
        }
        if (ct && !q.quantizes(module)) {
            throw new ModelLoadException("tensor '" + name + "' is F8_E4M3 but quantization_config (compressed-tensors) "
                    + "leaves module '" + module + "' unquantized (ignore " + q.ignore() + ", targets " + q.targets() + ")");
        }
        String scaleName = name + q.scaleSuffix();
        if (!ckpt.has(scaleName)) {
            String other = name + (ct ? "_scale_inv" : "_scale");
            throw new ModelLoadException("tensor '" + name + "' is F8_E4M3 but its scale '" + scaleName + "' is missing"
                    + (ckpt.has(other) ? " ('" + other + "' is there: quant_method '" + q.method() + "' does not match the "
                    + "checkpoint's scale names)" : ""));
        }
        TensorInfo s = ckpt.tensor(scaleName);
        int rows = Math.toIntExact(t.shape()[0]);
        int cols = Math.toIntExact(t.shape()[1]);
        long[] want = {ceil(rows, q.blockRows(rows)), ceil(cols, q.blockCols(cols))};
        boolean shapeOk = s.hasShape(want)
            // tensor strategy: compressed-tensors registers [1]; older writers saved a scalar
            || (q.strategy() == Quantization.Strategy.TENSOR && (s.hasShape(1) || s.hasShape()));
        boolean dtypeOk = s.dtype() == DType.F32 || (ct && (s.dtype() == DType.BF16 || s.dtype() == DType.F16));
        if (!shapeOk || !dtypeOk) {
            throw new ModelLoadException("scale tensor '" + scaleName + "' must be " + (ct ? "F32/BF16/F16 " : "F32 ")
                    + Arrays.toString(want) + " (" + q.strategy().name().toLowerCase(java.util.Locale.ROOT) + " strategy), found "
                    + s.dtype() + " " + s.shapeString());
        }
    }

    private static long ceil(long n, long b) {
        return (n + b - 1) / b;
    }
}
