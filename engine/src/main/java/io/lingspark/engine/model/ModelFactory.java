package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.HostMatrix;
import io.lingspark.engine.weights.TensorInfo;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Builds a {@link LingModel} (Ling 2.0 or 2.5) from a checkpoint directory, or with random weights and
 * no files. A checkpoint is checked completely (every tensor's presence, dtype and shape, and on the
 * CPU the heap it needs: {@link HeapCheck}) before any weight is read; weights are then handed to the
 * backend as views of the mapped files.
 */
public final class ModelFactory {
    private ModelFactory() {
    }

    /** Loads any supported checkpoint onto the backend. */
    public static LingModel open(Path dir, Backend be) {
        return open(dir, be, null);
    }

    /**
     * Loads the part of a checkpoint a slice holds (null: all): only the shards that hold its tensors
     * are opened, and only its tensors are checked and read.
     */
    public static LingModel open(Path dir, Backend be, ModelSlice slice) {
        LingConfig c = LingConfig.fromDirectory(dir);
        checkBackend(c, be);
        ModelSlice s = slice != null ? slice : ModelSlice.whole(c);
        try (Checkpoint ckpt = s.isWhole(c) ? Checkpoint.open(dir) : Checkpoint.open(dir, s.tensors(c))) {
            return load(ckpt, c, be, s);
        }
    }

    /** The slice's model from an open checkpoint (its tensors checked, then read onto the backend). */
    public static LingModel load(Checkpoint ckpt, LingConfig c, Backend be, ModelSlice s) {
        checkBackend(c, be);
        TensorPlan.checkAgainst(c, ckpt.declaredTensors());
        WeightLoader wl = new WeightLoader(ckpt, c, TensorPlan.of(c).restrict(s.tensors(c)), s);
        wl.validate();
        if (be instanceof CpuBackend cpu) {
            HeapCheck.check(ckpt, c, s, cpu);
        }
        return HeapCheck.whileLoading("the weights of " + ckpt.dir(), () -> build(c, be, loaded(wl, be), s));
    }

    /** A random-weight model of any supported family (benchmarks, tests). */
    public static LingModel randomModel(LingConfig c, Backend be, long seed) {
        return randomModel(c, be, seed, ModelSlice.whole(c));
    }

    /** The slice of a random-weight model: the same weights the whole model has in those layers. */
    public static LingModel randomModel(LingConfig c, Backend be, long seed, ModelSlice slice) {
        checkBackend(c, be);
        return build(c, be, randomSource(c, be, seed), slice);
    }

    /** Ling 2.5 needs the hybrid ops (linear attention, MLA) on top of the common ones. */
    static void checkBackend(LingConfig c, Backend be) {
        if (c.family != LingConfig.Family.V2 && !be.supports(Backend.Feature.HYBRID_ATTENTION)) {
            throw new ModelLoadException("Ling 2.5 is supported on the CPU backend only for now (backend " + be.name()
                    + " has no linear-attention / MLA kernels)");
        }
    }

    /** Weights of a validated checkpoint: views of the mapped files, uploaded as they are. */
    private static Source loaded(WeightLoader wl, Backend be) {
        return new Source() {
            @Override
            public Weight matrix(String name) {
                return be.upload(wl.matrix(name));
            }

            @Override
            public Weight rows(String name, int from, int to) {
                return be.upload(wl.matrix(name).rows(from, to));
            }

            @Override
            public Weight gateUp(String gate, String up) {
                return be.upload(HostMatrix.stack(wl.matrix(gate), wl.matrix(up)));
            }

            @Override
            public float[] bias(int l) {
                TensorInfo b = wl.bias(l);
                return b == null ? null : b.readFloats();
            }
        };
    }

    /** Checks a checkpoint directory completely without loading weights (drivers call this). */
    public static LingConfig validate(Path dir) {
        LingConfig c = LingConfig.fromDirectory(dir);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            TensorPlan.checkAgainst(c, ckpt.declaredTensors());
            new WeightLoader(ckpt, c, TensorPlan.of(c)).validate();
        }
        return c;
    }

    /** Element count over the checkpoint's tensors, leaving out FP8 scales (either layout) and MTP layers (§2.2 check). */
    public static long parameterCount(Checkpoint ckpt, LingConfig c) {
        long n = 0;
        for (TensorInfo t : ckpt.tensors().values()) {
            if (t.name().endsWith(".weight_scale_inv") || t.name().endsWith(".weight_scale") || TensorPlan.isMtp(t.name(), c)) {
                continue;
            }
            n += t.elements();
        }
        return n;
    }

    /**
     * Random weights (uniform, std 0.02 like HF's initializer; norms at 1; no files). Deterministic
     * for a seed. Used by benchmarks and tests.
     */
    private static Source randomSource(LingConfig c, Backend be, long seed) {
        float scale = (float) (0.02 * Math.sqrt(3));
        TensorPlan plan = TensorPlan.of(c);
        // a quantized preset (bench-small-fp8): the weights its config quantizes are FP8 as a checkpoint's
        java.util.function.Predicate<String> fp8 = name -> c.quantization != null && plan.quantizable.contains(name)
            && c.quantization.quantizes(name.substring(0, name.length() - ".weight".length()));
        java.util.function.Function<String, HostMatrix> randomFp8 = name -> RandomFp8.matrix(name,
            (int) plan.shapes.get(name)[0], (int) plan.shapes.get(name)[1], c.quantization, seed ^ name.hashCode(), scale);
        return new Source() {
            @Override
            public Weight matrix(String name) {
                long[] s = plan.shapes.get(name);
                int rows = s.length == 1 ? 1 : (int) s[0];
                int cols = (int) s[s.length - 1];
                if (fp8.test(name)) {
                    return be.upload(randomFp8.apply(name));
                }
                if (name.endsWith("norm.weight")) {
                    short[] ones = new short[rows * cols];
                    java.util.Arrays.fill(ones, (short) 0x3F80); // bf16 1.0
                    return be.upload(HostMatrix.ofBf16(name, rows, cols, ones));
                }
                return be.random(name, rows, cols, seed ^ name.hashCode(), scale);
            }

            @Override
            public Weight rows(String name, int from, int to) {
                long[] s = plan.shapes.get(name);
                if (fp8.test(name)) {
                    return be.upload(randomFp8.apply(name).rows(from, to));
                }
                return be.random(name + "[" + from + ":" + to + "]", to - from, (int) s[1], (seed ^ name.hashCode()) + from, scale);
            }

            @Override
            public Weight gateUp(String gate, String up) {
                long[] s = plan.shapes.get(gate);
                if (fp8.test(gate) && fp8.test(up)) {
                    return be.upload(HostMatrix.stack(randomFp8.apply(gate), randomFp8.apply(up)));
                }
                return be.random(gate + "+up", 2 * (int) s[0], (int) s[1], seed ^ gate.hashCode(), scale);
            }

            @Override
            public float[] bias(int l) {
                SplittableRandom r = new SplittableRandom(seed + l);
                float[] b = new float[c.numExperts];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (r.nextDouble() * 0.02 - 0.01);
                }
                return b;
            }
        };
    }

    /** Where weights come from: a checkpoint or a generator. */
    interface Source {
        Weight matrix(String name);

        /** Rows [from, to) of a 2-D tensor (kv_a_proj_with_mqa splits into the latent and rope-key parts). */
        Weight rows(String name, int from, int to);

        Weight gateUp(String gate, String up);

        float[] bias(int layer);
    }

    static LingModel build(LingConfig c, Backend be, Source src, ModelSlice s) {
        if (s.lastLayer() > c.numLayers) {
            throw new IllegalArgumentException("layers up to " + s.lastLayer() + " of a model with " + c.numLayers);
        }
        Weight emb = s.embedding() || (s.head() && c.tieWordEmbeddings) ? src.matrix("model.word_embeddings.weight") : null;
        Weight norm = s.head() ? src.matrix("model.norm.weight") : null;
        Weight head = !s.head() ? null : c.tieWordEmbeddings ? emb : src.matrix("lm_head.weight");
        LayerBuilder lb = new LayerBuilder(c, src);
        DecoderLayer[] layers = new DecoderLayer[s.lastLayer() - s.firstLayer()];
        for (int l = s.firstLayer(); l < s.lastLayer(); l++) {
            layers[l - s.firstLayer()] = lb.layer(l);
        }
        return new LingModel(c, be, s, s.embedding() ? emb : null, norm, head, layers);
    }
}
