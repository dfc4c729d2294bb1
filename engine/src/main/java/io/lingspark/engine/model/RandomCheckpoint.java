package io.lingspark.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Quantization;
import io.lingspark.engine.weights.DType;
import io.lingspark.engine.weights.Fp8Quantizer;
import io.lingspark.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random-weight checkpoint in the real Hugging Face layout (config.json,
 * generation_config.json, model.safetensors): what the demo and the Spark tests load through the
 * same code path as a published model. Weights are bf16, uniform with std 0.02 like HF's
 * initializer, norms at 1, expert biases F32; deterministic for a seed. A quantized config
 * (bench-small-fp8) gets its linear weights as FP8 in that config's layout. The tokenizer files are
 * written separately ({@code tokenizer.TokenizerWriter}).
 */
public final class RandomCheckpoint {
    private RandomCheckpoint() {
    }

    public static void write(Path dir, LingConfig config, long seed) {
        TensorPlan plan = TensorPlan.of(config);
        SafetensorsWriter w = new SafetensorsWriter();
        float scale = (float) (0.02 * Math.sqrt(3));
        for (Map.Entry<String, long[]> e : plan.shapes.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            int n = Math.toIntExact(elements(shape));
            short[] data = new short[n];
            if (name.endsWith("norm.weight")) {
                java.util.Arrays.fill(data, (short) 0x3F80); // bf16 1.0
            } else {
                SplittableRandom r = new SplittableRandom(seed ^ (long) name.hashCode() * 0x9E3779B97F4A7C15L);
                for (int i = 0; i < n; i++) {
                    float v = (float) (r.nextDouble() * 2 - 1) * scale;
                    data[i] = DType.toBf16(v);
                }
            }
            Quantization q = config.quantization;
            if (q != null && plan.quantizable.contains(name) && q.quantizes(name.substring(0, name.length() - ".weight".length()))) {
                addFp8(w, name, shape, data, q);
            } else {
                w.addShorts(name, DType.BF16, shape, data);
            }
        }
        for (int l = 0; l < config.numLayers; l++) {
            if (config.isMoeLayer(l)) {
                SplittableRandom r = new SplittableRandom(seed + l);
                float[] b = new float[config.numExperts];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (r.nextDouble() * 0.02 - 0.01);
                }
                w.addF32(TensorPlan.expertBiasNames(l)[0], new long[] {config.numExperts}, b);
            }
        }
        try {
            Files.createDirectories(dir);
            ObjectMapper om = new ObjectMapper();
            om.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config.toJson());
            om.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("generation_config.json").toFile(),
                config.generationConfigJson());
            w.write(dir.resolve("model.safetensors"));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write a random checkpoint to " + dir, ex);
        }
    }

    /**
     * A quantized config's weight as its checkpoint stores it: e4m3 + scales of the strategy, named
     * and typed per layout (native: F32 {@code weight_scale_inv}; compressed-tensors: BF16
     * {@code weight_scale}, as llm-compressor writes for a bf16 model; tensor strategy [1]).
     */
    private static void addFp8(SafetensorsWriter w, String name, long[] shape, short[] bf16, Quantization q) {
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] f = new float[bf16.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = DType.bf16ToFloat(bf16[i]);
        }
        DType scaleDtype = q.isNativeFp8() ? DType.F32 : DType.BF16;
        Fp8Quantizer.Result r = Fp8Quantizer.quantize(f, rows, cols, q.blockRows(rows), q.blockCols(cols), scaleDtype);
        long[] scaleShape = q.strategy() == Quantization.Strategy.TENSOR ? new long[] {1} : new long[] {r.scaleRows(), r.scaleCols()};
        w.addBytes(name, DType.F8_E4M3, shape, r.q());
        Fp8Quantizer.addScales(w, name + q.scaleSuffix(), scaleShape, r.scales(), scaleDtype);
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }
}
