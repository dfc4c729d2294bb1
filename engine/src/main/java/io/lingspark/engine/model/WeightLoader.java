package io.lingspark.engine.model;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.DType;
import io.lingspark.engine.weights.HostMatrix;
import io.lingspark.engine.weights.TensorInfo;
import java.util.Arrays;
import java.util.Map;

/**
 * Hands out checkpoint tensors as {@link HostMatrix} views after checking them against the
 * {@link TensorPlan}: presence, shape, dtype, and for native FP8 the e4m3 weight plus its
 * {@code _scale_inv} block scales [⌈rows/128⌉, ⌈cols/128⌉] (partial edge tiles included).
 */
public final class WeightLoader {
    private final Checkpoint ckpt;
    private final LingConfig config;
    private final TensorPlan plan;

    private final ModelSlice slice;

    public WeightLoader(Checkpoint ckpt, LingConfig config, TensorPlan plan) {
        this(ckpt, config, plan, ModelSlice.whole(config));
    }

    /** Checks and reads only what slice holds (plan already restricted to it). */
    public WeightLoader(Checkpoint ckpt, LingConfig config, TensorPlan plan, ModelSlice slice) {
        this.ckpt = ckpt;
        this.config = config;
        this.plan = plan;
        this.slice = slice;
    }

    /** Checks every planned tensor; throws naming the first problem. Reads no weight data. */
    public void validate() {
        for (String name : ckpt.tensors().keySet()) {
            if (!slice.isWhole(config) && !slice.tensors(config).test(name)) {
                continue;
            }
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
        for (int l = Math.max(config.firstKDenseReplace, slice.firstLayer()); l < slice.lastLayer(); l++) {
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

    /**
     * A planned 1-D or 2-D tensor as [rows, cols] (vectors are [1, n]), read in place from the mapped
     * file: BF16 as it is, FP8 as e4m3 bytes with its _scale_inv block scales, F32/F16 widened.
     */
    public HostMatrix matrix(String name) {
        TensorInfo t = ckpt.tensor(name);
        if (t.dtype() == DType.F8_E4M3) {
            return HostMatrix.of(t, ckpt.tensor(name + "_scale_inv"), config.quantization.blockRows(),
                config.quantization.blockCols());
        }
        return HostMatrix.of(t, null, 0, 0);
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
