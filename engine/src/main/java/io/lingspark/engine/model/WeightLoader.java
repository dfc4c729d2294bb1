package io.lingspark.engine.model;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.config.Quantization;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.DType;
import io.lingspark.engine.weights.HostMatrix;
import io.lingspark.engine.weights.TensorInfo;
import java.util.Arrays;
import java.util.Map;

/**
 * Hands out checkpoint tensors as {@link HostMatrix} views after checking them against the
 * {@link TensorPlan}: presence, shape, dtype, and for FP8 the e4m3 weight plus its scales
 * ({@link Fp8Checks}: native {@code _scale_inv} blocks or compressed-tensors {@code weight_scale}).
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
            Fp8Checks.checkExtraTensor(name, config.quantization);
        }
        for (Map.Entry<String, long[]> e : plan.shapes.entrySet()) {
            TensorInfo t = ckpt.tensor(e.getKey());
            if (!t.hasShape(e.getValue())) {
                throw new ModelLoadException("tensor '" + e.getKey() + "' has shape " + t.shapeString() + " but config.json implies "
                        + Arrays.toString(e.getValue()));
            }
            Fp8Checks.checkWeight(ckpt, t, config.quantization, plan.quantizable.contains(e.getKey()));
        }
        for (int l = Math.max(config.firstKDenseReplace, slice.firstLayer()); l < slice.lastLayer(); l++) {
            TensorInfo b = bias(l);
            if (b != null && !b.hasShape(config.numExperts)) {
                throw new ModelLoadException("tensor '" + b.name() + "' has shape " + b.shapeString() + ", expected [" + config.numExperts + "]");
            }
        }
    }

    /**
     * A planned 1-D or 2-D tensor as [rows, cols] (vectors are [1, n]), read in place from the mapped
     * file: BF16 as it is, FP8 as e4m3 bytes with its block scales (every compressed-tensors strategy
     * is a block shape: channel 1 × cols, tensor rows × cols), F32/F16 widened.
     */
    public HostMatrix matrix(String name) {
        TensorInfo t = ckpt.tensor(name);
        if (t.dtype() == DType.F8_E4M3) {
            Quantization q = config.quantization;
            int rows = Math.toIntExact(t.shape()[0]);
            int cols = Math.toIntExact(t.shape()[1]);
            return HostMatrix.of(t, ckpt.tensor(name + q.scaleSuffix()), q.blockRows(rows), q.blockCols(cols));
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
