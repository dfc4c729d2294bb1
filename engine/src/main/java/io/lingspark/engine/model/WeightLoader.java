package io.lingspark.engine.model;

import io.lingspark.engine.backend.HostMatrix;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.DType;
import io.lingspark.engine.weights.TensorInfo;
import java.util.Arrays;
import java.util.Map;

/**
 * Reads checkpoint tensors into {@link HostMatrix} form after checking them against the
 * {@link TensorPlan}: presence, shape, dtype, and for native FP8 the e4m3 weight plus its
 * {@code _scale_inv} block scales [⌈rows/128⌉, ⌈cols/128⌉] (partial edge tiles included).
 */
public final class WeightLoader {
    private final Checkpoint ckpt;
    private final LingConfig config;
    private final TensorPlan plan;

    public WeightLoader(Checkpoint ckpt, LingConfig config, TensorPlan plan) {
        this.ckpt = ckpt;
        this.config = config;
        this.plan = plan;
    }

    /** Checks every planned tensor; throws naming the first problem. Reads no weight data. */
    public void validate() {
        for (String name : ckpt.tensors().keySet()) {
            if (name.endsWith(".weight_scale") || name.endsWith(".input_scale")) {
                throw new ModelLoadException("tensor '" + name + "' is a compressed-tensors FP8 scale (weight_scale): "
                        + "that format is recognised but not supported yet; use the BF16 or native FP8 (_scale_inv) checkpoint");
            }
        }
        for (Map.Entry<String, long[]> e : plan.shapes.entrySet()) {
            TensorInfo t = ckpt.tensor(e.getKey());
            if (!t.hasShape(e.getValue())) {
                throw new ModelLoadException("tensor '" + e.getKey() + "' has shape " + t.shapeString() + " but config.json implies "
                        + Arrays.toString(e.getValue()));
            }
            if (t.dtype() == DType.F8_E4M3) {
                if (config.quantization == null || !plan.quantizable.contains(e.getKey())) {
                    throw new ModelLoadException("tensor '" + e.getKey() + "' is F8_E4M3 but "
                            + (config.quantization == null ? "config.json has no quantization_config" : "that weight is never quantized"));
                }
                TensorInfo s = ckpt.tensor(e.getKey() + "_scale_inv");
                long[] want = scaleShape(e.getValue());
                if (!s.hasShape(want) || s.dtype() != DType.F32) {
                    throw new ModelLoadException("scale tensor '" + s.name() + "' must be F32 " + Arrays.toString(want) + ", found "
                            + s.dtype() + " " + s.shapeString());
                }
            }
        }
        for (int l = config.firstKDenseReplace; l < config.numLayers; l++) {
            TensorInfo b = bias(l);
            if (b != null && !b.hasShape(config.numExperts)) {
                throw new ModelLoadException("tensor '" + b.name() + "' has shape " + b.shapeString() + ", expected [" + config.numExperts + "]");
            }
        }
    }

    private long[] scaleShape(long[] shape) {
        long br = config.quantization.blockRows();
        long bc = config.quantization.blockCols();
        return new long[] {(shape[0] + br - 1) / br, (shape[1] + bc - 1) / bc};
    }

    /** A planned 1-D or 2-D tensor as [rows, cols] (vectors are [1, n]). */
    public HostMatrix matrix(String name) {
        TensorInfo t = ckpt.tensor(name);
        int rows = t.rank() == 1 ? 1 : Math.toIntExact(t.shape()[0]);
        int cols = Math.toIntExact(t.shape()[t.rank() - 1]);
        int n = Math.multiplyExact(rows, cols);
        switch (t.dtype()) {
            case BF16 -> {
                short[] data = new short[n];
                t.file().readShorts(t, 0, data, 0, n);
                return HostMatrix.ofBf16(name, rows, cols, data);
            }
            case F8_E4M3 -> {
                return HostMatrix.ofF32(name, rows, cols, dequantFp8(t, rows, cols));
            }
            default -> {
                float[] data = new float[n];
                t.file().readFloats(t, 0, data, 0, n);
                return HostMatrix.ofF32(name, rows, cols, data);
            }
        }
    }

    /** W[r, c] = fp8[r, c] × scale_inv[⌊r/128⌋, ⌊c/128⌋] (the "_inv" scale is the multiplier, §6.1). */
    private float[] dequantFp8(TensorInfo t, int rows, int cols) {
        TensorInfo s = ckpt.tensor(t.name() + "_scale_inv");
        float[] scale = s.readFloats();
        int br = config.quantization.blockRows();
        int bc = config.quantization.blockCols();
        int scols = (cols + bc - 1) / bc;
        float[] out = new float[rows * cols];
        t.file().readFloats(t, 0, out, 0, out.length);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] *= scale[(r / br) * scols + c / bc];
            }
        }
        return out;
    }

    /** Rows [from, to) of a [rows, cols] matrix, in its stored precision. */
    public static HostMatrix rows(HostMatrix m, int from, int to) {
        int n = m.cols();
        String name = m.name() + "[" + from + ":" + to + "]";
        if (m.bf16() != null) {
            return HostMatrix.ofBf16(name, to - from, n, Arrays.copyOfRange(m.bf16(), from * n, to * n));
        }
        return HostMatrix.ofF32(name, to - from, n, Arrays.copyOfRange(m.f32(), from * n, to * n));
    }

    /** Gate and up stacked into one [2n, H] matrix, so a single product computes both. */
    public HostMatrix gateUp(String gateName, String upName) {
        HostMatrix g = matrix(gateName);
        HostMatrix u = matrix(upName);
        if (g.bf16() != null && u.bf16() != null) {
            short[] d = Arrays.copyOf(g.bf16(), g.bf16().length + u.bf16().length);
            System.arraycopy(u.bf16(), 0, d, g.bf16().length, u.bf16().length);
            return HostMatrix.ofBf16(gateName + "+up", g.rows() + u.rows(), g.cols(), d);
        }
        float[] gf = g.toFloats();
        float[] uf = u.toFloats();
        float[] d = Arrays.copyOf(gf, gf.length + uf.length);
        System.arraycopy(uf, 0, d, gf.length, uf.length);
        return HostMatrix.ofF32(gateName + "+up", g.rows() + u.rows(), g.cols(), d);
    }

    /** The expert bias of MoE layer l (either accepted name), or null: HF then uses zeros. */
    public TensorInfo bias(int l) {
        for (String n : TensorPlan.expertBiasNames(l)) {
            if (ckpt.has(n)) {
                return ckpt.tensor(n);
            }
        }
        return null;
    }
}
