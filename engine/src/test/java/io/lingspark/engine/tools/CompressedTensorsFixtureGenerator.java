package io.lingspark.engine.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.CompressedTensorsConfig;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Quantization;
import io.lingspark.engine.config.Quantization.Strategy;
import io.lingspark.engine.model.LingModel;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.model.TensorPlan;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.runtime.ModelSession.SeqInput;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.DType;
import io.lingspark.engine.weights.Fp8Quantizer;
import io.lingspark.engine.weights.SafetensorsWriter;
import io.lingspark.engine.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Builds the compressed-tensors FP8 fixtures (fixtures/compressed-tensors/README.md) from the public
 * BF16 fixtures: every linear weight the config quantizes (attention projections, dense MLP, experts,
 * shared experts; not lm_head, the router gate, embeddings or norms, nor what {@code ignore} names)
 * becomes float8_e4m3fn + weight_scale the way compressed-tensors' symmetric float quantizer does it
 * (scale = amax / 448 per block, stored in the scale dtype, q = e4m3(w / scale) saturated), and the
 * reference logits come from the dequantised weights (fp8 × scale, exact in fp32) written as an F32
 * checkpoint and run by the CPU engine in fp32: the FP8 path is checked against the plain F32 path.
 *
 * <p>Run from the repository root (after {@code ./mvnw -o -q test-compile -Dcuda.skip=true -pl engine}):
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine/target/classes:engine/target/test-classes:$(cat cp.txt) \
 *     io.lingspark.engine.tools.CompressedTensorsFixtureGenerator [fixtures dir]
 * </pre>
 * (cp.txt from {@code ./mvnw -o -q dependency:build-classpath -pl engine -Dmdep.outputFile=cp.txt}).
 */
public final class CompressedTensorsFixtureGenerator {
    /** One fixture: a strategy, its block (BLOCK only) and the dtype its scales are stored in. */
    record Variant(String name, Strategy strategy, int blockRows, int blockCols, DType scaleDtype) {
    }

    // bf16 scales as llm-compressor writes them for a bf16 model (the scale takes the weight's dtype);
    // tensor in F32 as older compressed-tensors versions did. Block 40×48: not square, and ragged at the
    // edge of every tiny weight (rows 128, 160, 64, 32; cols 64, 160, 32), like 128×128 on real shapes.
    static final List<Variant> VARIANTS = List.of(
        new Variant("channel", Strategy.CHANNEL, 0, 0, DType.BF16),
        new Variant("block", Strategy.BLOCK, 40, 48, DType.BF16),
        new Variant("tensor", Strategy.TENSOR, 0, 0, DType.F32));

    /** Prompts of the source reference.json whose logits are kept: all positions of 0, the last of 3 (160 tokens). */
    static final int ALL_POSITIONS_PROMPT = 0;
    static final int LAST_POSITION_PROMPT = 3;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CompressedTensorsFixtureGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path fixtures = Path.of(args.length > 0 ? args[0] : "engine/src/test/resources/fixtures");
        Path out = fixtures.resolve("compressed-tensors");
        for (Variant v : VARIANTS) {
            // lm_head and the routers as in real compressed-tensors MoE checkpoints; one more entry per model
            // keeps a quantizable weight bf16 so the loader's ignore matching is exercised: an exact module
            // name for Ling 2.0, a regex for the MLA down-projection of Ling 2.5.
            generate(fixtures.resolve("ling-v2/tiny-ling-v2"), out.resolve("tiny-ling-v2-ct-" + v.name()), v,
                List.of("lm_head", "re:.*mlp[.]gate$", "model.layers.0.attention.dense"));
            generate(fixtures.resolve("ling-v25/tiny-ling-v25"), out.resolve("tiny-ling-v25-ct-" + v.name()), v,
                List.of("lm_head", "re:.*mlp[.]gate$", "re:.*attention[.]kv_a_proj_with_mqa$"));
        }
    }

    static void generate(Path src, Path dst, Variant v, List<String> ignore) throws IOException {
        Path srcModel = src.resolve("model");
        LingConfig c = LingConfig.fromDirectory(srcModel);
        TensorPlan plan = TensorPlan.of(c);
        Quantization q = new Quantization(Quantization.COMPRESSED_TENSORS, v.strategy(), v.blockRows(), v.blockCols(),
            List.of("Linear"), ignore);
        SafetensorsWriter fp8 = new SafetensorsWriter();
        SafetensorsWriter deq = new SafetensorsWriter();
        int quantized = 0;
        try (Checkpoint ck = Checkpoint.open(srcModel)) {
            for (TensorInfo t : new TreeMap<>(ck.tensors()).values()) {
                String name = t.name();
                float[] w = t.readFloats();
                String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
                if (plan.quantizable.contains(name) && q.quantizes(module)) {
                    quantize(name, t.shape(), w, q, v.scaleDtype(), fp8, deq);
                    quantized++;
                } else {
                    copy(t, w, fp8);
                    copy(t, w, deq);
                }
            }
        }
        ObjectNode config = (ObjectNode) JSON.readTree(srcModel.resolve("config.json").toFile());
        Files.createDirectories(dst.resolve("model"));
        Path tmp = Files.createTempDirectory("ct-dequantised");
        try {
            JSON.writeValue(tmp.resolve("config.json").toFile(), config);
            deq.write(tmp.resolve("model.safetensors"));
            CompressedTensorsConfig.write(q, config.putObject("quantization_config"));
            JSON.writeValue(dst.resolve("model/config.json").toFile(), config);
            Files.copy(srcModel.resolve("generation_config.json"), dst.resolve("model/generation_config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            fp8.write(dst.resolve("model/model.safetensors"));
            reference(src, tmp, dst, v, quantized);
        } finally {
            try (var files = Files.list(tmp)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(tmp);
        }
    }

    /** w → e4m3 bytes + weight_scale (channel [rows, 1], tensor [1], block [⌈rows/br⌉, ⌈cols/bc⌉]) into fp8, fp8 × scale as F32 into deq. */
    static void quantize(String name, long[] shape, float[] w, Quantization q, DType scaleDtype, SafetensorsWriter fp8,
                         SafetensorsWriter deq) {
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        Fp8Quantizer.Result r = Fp8Quantizer.quantize(w, rows, cols, q.blockRows(rows), q.blockCols(cols), scaleDtype);
        long[] scaleShape = q.strategy() == Strategy.TENSOR ? new long[] {1} : new long[] {r.scaleRows(), r.scaleCols()};
        fp8.addBytes(name, DType.F8_E4M3, shape, r.q());
        Fp8Quantizer.addScales(fp8, name + "_scale", scaleShape, r.scales(), scaleDtype);
        deq.addF32(name, shape, r.dequantised());
    }

    /** A tensor kept as stored (BF16 exactly: its values are bf16, so the round trip is the identity). */
    static void copy(TensorInfo t, float[] w, SafetensorsWriter out) {
        if (t.dtype() == DType.BF16) {
            short[] b = new short[w.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = DType.toBf16(w[i]);
            }
            out.addShorts(t.name(), DType.BF16, t.shape(), b);
        } else {
            out.addF32(t.name(), t.shape(), w);
        }
    }

    /** The CPU engine in fp32 on the dequantised checkpoint: reference.safetensors and reference.json. */
    static void reference(Path src, Path dequantised, Path dst, Variant v, int quantized) throws IOException {
        JsonNode srcRef = JSON.readTree(src.resolve("reference.json").toFile());
        int[] all = ints(srcRef.get("prompt_ids").get(ALL_POSITIONS_PROMPT));
        int[] last = ints(srcRef.get("prompt_ids").get(LAST_POSITION_PROMPT));
        float[] logitsAll;
        float[] logitsLast;
        int vocab;
        try (CpuBackend be = new CpuBackend(2)) {
            LingModel model = ModelFactory.open(dequantised, be);
            vocab = model.config().vocabSize;
            try (ModelSession s = ModelSession.open(model)) {
                logitsAll = run(s, all);
                float[] l = run(s, last);
                logitsLast = Arrays.copyOfRange(l, l.length - vocab, l.length);
            }
        }
        new SafetensorsWriter()
            .addF32("logits_fp32.0", new long[] {all.length, vocab}, logitsAll)
            .addF32("last_logits_fp32.1", new long[] {1, vocab}, logitsLast)
            .write(dst.resolve("reference.safetensors"));
        // how far FP8 moved the model: the source's bf16-weight fp32 logits against these
        float[] bf16Ref;
        try (var f = io.lingspark.engine.weights.SafetensorsFile.open(src.resolve("reference.safetensors"))) {
            bf16Ref = f.tensors().get("logits_fp32." + ALL_POSITIONS_PROMPT).readFloats();
        }
        double drift = 0;
        for (int i = 0; i < bf16Ref.length; i++) {
            drift = Math.max(drift, Math.abs(bf16Ref[i] - logitsAll[i]));
        }
        ObjectNode ref = JSON.createObjectNode();
        ref.put("source", src.getFileName().toString());
        ref.put("strategy", v.name());
        ref.put("scale_dtype", v.scaleDtype().name());
        ref.put("quantized_weights", quantized);
        ref.putArray("prompt_ids").addPOJO(all).addPOJO(last);
        ref.put("max_abs_logit_diff_vs_bf16_weights_prompt0", drift);
        JSON.writeValue(dst.resolve("reference.json").toFile(), ref);
        System.out.printf("%s: %d weights quantized, max |Δlogit| vs the bf16 weights %.4f%n", dst.getFileName(), quantized, drift);
    }

    /** The last position's logits of one prompt prefilled in a fresh sequence (freed after). */
    public static float[] run(ModelSession s, int[] prompt) {
        ModelSession.Seq seq = s.newSequence();
        try {
            return s.forward(List.of(new SeqInput(seq, prompt, true))).logits()[0];
        } finally {
            seq.close();
        }
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
