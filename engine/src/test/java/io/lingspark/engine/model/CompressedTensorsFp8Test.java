package io.lingspark.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.config.Quantization;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.tools.CompressedTensorsFixtureGenerator;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.HostMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * compressed-tensors FP8 checkpoints (fixtures/compressed-tensors/README.md) on the CPU engine: every
 * strategy of both families gives the logits of its dequantised weights run as F32 (1e-4), the FP8
 * weights stay FP8 in memory, and the format and the ignore list are read as written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompressedTensorsFp8Test {
    private static final ObjectMapper OM = new ObjectMapper();

    private CpuBackend backend;

    @TempDir
    Path tmp;

    @BeforeAll
    void setUp() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    void tearDown() {
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2-ct-channel", "tiny-ling-v2-ct-block", "tiny-ling-v2-ct-tensor",
        "tiny-ling-v25-ct-channel", "tiny-ling-v25-ct-block", "tiny-ling-v25-ct-tensor"})
    void logitsMatchTheDequantisedFp32Reference(String fixture) throws Exception {
        LingModel model = ModelFactory.open(Fixtures.model(fixture), backend);
        JsonNode ref = Fixtures.reference(fixture);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        int v = model.config().vocabSize;
        double worst;
        try (ModelSession s = ModelSession.open(model)) {
            float[] all = CompressedTensorsFixtureGenerator.run(s, prompts[0]);
            float[] last = CompressedTensorsFixtureGenerator.run(s, prompts[1]);
            worst = maxDiff(Fixtures.logits(fixture, "logits_fp32.0"), all);
            worst = Math.max(worst, maxDiff(Fixtures.logits(fixture, "last_logits_fp32.1"),
                Arrays.copyOfRange(last, last.length - v, last.length)));
        }
        System.out.printf("%s: max |Δlogit| vs the dequantised fp32 reference %.3g%n", fixture, worst);
        assertTrue(worst < 1e-4, fixture + ": max |Δlogit| " + worst);
    }

    /** Resident weight bytes: the FP8 load against the BF16 source fixture's, and every quantized weight FP8. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2-ct-block", "tiny-ling-v25-ct-channel"})
    void fp8WeightsStayFp8InMemory(String fixture) {
        String source = fixture.startsWith("tiny-ling-v25") ? "tiny-ling-v25" : "tiny-ling-v2";
        long fp8 = residentBytes(fixture);
        long bf16 = residentBytes(source);
        System.out.printf("%s: resident weight bytes %,d (bf16 source %,d, %.2fx)%n", fixture, fp8, bf16, (double) fp8 / bf16);
        // embeddings and lm_head (about a third of these tiny models) stay bf16; the linears halve
        assertTrue(fp8 < 0.8 * bf16, fixture + ": " + fp8 + " resident bytes vs bf16 " + bf16);
        LingConfig c = LingConfig.fromDirectory(Fixtures.model(fixture));
        TensorPlan plan = TensorPlan.of(c);
        try (Checkpoint ck = Checkpoint.open(Fixtures.model(fixture))) {
            WeightLoader wl = new WeightLoader(ck, c, plan);
            long n = plan.quantizable.stream().filter(name -> wl.matrix(name).format() == HostMatrix.Format.FP8_E4M3).count();
            assertEquals(Fixtures.reference(fixture).get("quantized_weights").asInt(), n);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * HostMatrix.get, which the CUDA backend's upload uses to dequantise FP8 on the host, against the
     * strategy's definition computed here from the raw e4m3 bytes and the weight_scale tensor:
     * channel s[r], tensor s[0], block s[⌊r/40⌋, ⌊c/48⌋] (ragged edges included).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2-ct-channel", "tiny-ling-v2-ct-block", "tiny-ling-v2-ct-tensor"})
    void hostDequantisationFollowsTheStrategy(String fixture) throws Exception {
        String strategy = Fixtures.reference(fixture).get("strategy").asText();
        LingConfig c = LingConfig.fromDirectory(Fixtures.model(fixture));
        try (Checkpoint ck = Checkpoint.open(Fixtures.model(fixture))) {
            WeightLoader wl = new WeightLoader(ck, c, TensorPlan.of(c));
            for (String name : List.of("model.layers.1.attention.query_key_value.weight", "model.layers.2.mlp.experts.5.down_proj.weight",
                "model.layers.0.mlp.up_proj.weight")) {
                HostMatrix m = wl.matrix(name);
                float[] s = ck.tensor(name + "_scale").readFloats();
                java.nio.ByteBuffer d = m.parts().get(0).data();
                int cols = m.cols();
                for (int r = 0; r < m.rows(); r++) {
                    for (int col = 0; col < cols; col++) {
                        float scale = switch (strategy) {
                            case "channel" -> s[r];
                            case "tensor" -> s[0];
                            default -> s[(r / 40) * ((cols + 47) / 48) + col / 48];
                        };
                        float want = io.lingspark.engine.weights.DType.e4m3ToFloat(d.get(r * cols + col)) * scale;
                        assertEquals(want, m.get(r, col), 0f, name + " (" + r + ", " + col + ")");
                    }
                }
            }
        }
    }

    /** The bench-small-fp8 recipe on the tiny shape: random FP8 weights resident as FP8, finite logits. */
    @Test
    void randomFp8PresetWeightsStayFp8() {
        LingConfig.Builder b = io.lingspark.engine.config.Presets.builder("tiny");
        LingConfig bf16 = b.build();
        b.quantization = io.lingspark.engine.config.Presets.get("bench-small-fp8").quantization;
        LingConfig fp8 = b.build();
        long bf16Bytes;
        long fp8Bytes;
        try (CpuBackend be = new CpuBackend(1)) {
            ModelFactory.randomModel(bf16, be, 7);
            bf16Bytes = be.weightBytes();
        }
        try (CpuBackend be = new CpuBackend(1); ModelSession s = ModelSession.open(ModelFactory.randomModel(fp8, be, 7))) {
            fp8Bytes = be.weightBytes();
            for (float x : CompressedTensorsFixtureGenerator.run(s, new int[] {1, 2, 3, 4, 5})) {
                assertTrue(Float.isFinite(x));
            }
        }
        System.out.printf("tiny random: resident weight bytes fp8 %,d, bf16 %,d%n", fp8Bytes, bf16Bytes);
        assertTrue(fp8Bytes < 0.8 * bf16Bytes, fp8Bytes + " vs " + bf16Bytes);
    }

    /** RandomCheckpoint writes a quantized config's linears as FP8 in its layout; the directory loads as FP8. */
    @ParameterizedTest
    @ValueSource(strings = {"channel", "block", "tensor", "native"})
    void randomCheckpointOfAQuantizedConfigLoadsAsFp8(String kind) throws Exception {
        LingConfig.Builder b = io.lingspark.engine.config.Presets.builder("tiny");
        List<String> ignore = List.of("lm_head", "re:.*mlp[.]gate$");
        b.quantization = switch (kind) {
            case "native" -> new Quantization(Quantization.NATIVE, 32, 48);
            case "block" -> new Quantization(Quantization.COMPRESSED_TENSORS, Quantization.Strategy.BLOCK, 32, 48, List.of("Linear"), ignore);
            default -> new Quantization(Quantization.COMPRESSED_TENSORS, Quantization.Strategy.valueOf(kind.toUpperCase(java.util.Locale.ROOT)),
                0, 0, List.of("Linear"), ignore);
        };
        Path dir = tmp.resolve(kind);
        RandomCheckpoint.write(dir, b.build(), 5);
        LingConfig c = ModelFactory.validate(dir);
        assertEquals(kind.equals("native"), c.quantization.isNativeFp8());
        TensorPlan plan = TensorPlan.of(c);
        try (Checkpoint ck = Checkpoint.open(dir)) {
            WeightLoader wl = new WeightLoader(ck, c, plan);
            for (String name : plan.quantizable) {
                assertEquals(HostMatrix.Format.FP8_E4M3, wl.matrix(name).format(), name);
            }
        }
        try (CpuBackend be = new CpuBackend(1); ModelSession s = ModelSession.open(ModelFactory.open(dir, be))) {
            for (float x : CompressedTensorsFixtureGenerator.run(s, new int[] {3, 1, 4, 1, 5})) {
                assertTrue(Float.isFinite(x));
            }
        }
    }

    private long residentBytes(String fixture) {
        try (CpuBackend be = new CpuBackend(1)) {
            ModelFactory.open(Fixtures.model(fixture), be);
            return be.weightBytes();
        }
    }

    @Test
    void formatIsDetectedFromQuantMethodAndScaleNames() {
        Quantization ct = LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2-ct-block")).quantization;
        assertTrue(ct.isCompressedTensors());
        assertEquals(Quantization.Strategy.BLOCK, ct.strategy());
        assertEquals(List.of(40, 48), List.of(ct.blockRows(), ct.blockCols()));
        assertEquals("_scale", ct.scaleSuffix());
        assertEquals(Quantization.Strategy.CHANNEL, LingConfig.fromDirectory(Fixtures.model("tiny-ling-v25-ct-channel")).quantization.strategy());
        assertEquals(Quantization.Strategy.TENSOR, LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2-ct-tensor")).quantization.strategy());
        Quantization nat = LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2-fp8")).quantization;
        assertTrue(nat.isNativeFp8());
        assertEquals("_scale_inv", nat.scaleSuffix());
    }

    @Test
    void ignoreListKeepsNamedModulesBf16ExactNameAndRegex() throws Exception {
        assertEquals(HostMatrix.Format.BF16, format("tiny-ling-v2-ct-channel", "model.layers.0.attention.dense.weight"));
        assertEquals(HostMatrix.Format.FP8_E4M3, format("tiny-ling-v2-ct-channel", "model.layers.1.attention.dense.weight"));
        for (int l : new int[] {1, 3}) { // the MLA layers of the 2.5 fixture
            assertEquals(HostMatrix.Format.BF16, format("tiny-ling-v25-ct-block", "model.layers." + l + ".attention.kv_a_proj_with_mqa.weight"));
            assertEquals(HostMatrix.Format.FP8_E4M3, format("tiny-ling-v25-ct-block", "model.layers." + l + ".attention.q_a_proj.weight"));
        }
        assertEquals(HostMatrix.Format.BF16, format("tiny-ling-v25-ct-block", "lm_head.weight"));
    }

    @Test
    void ignoreEntryRemovedOrNotMatchingIsRefusedNamingTheModule() throws Exception {
        // without the exact-name entry, the checkpoint's bf16 dense weight contradicts its config
        String m = refusal(withConfig("tiny-ling-v2-ct-channel", q -> removeIgnore(q, "model.layers.0.attention.dense")));
        assertTrue(m.contains("model.layers.0.attention.dense.weight") && m.contains("BF16"), m);
        // "re:" is Python's re.match: anchored at the start, so a pattern without ".*" does not match
        m = refusal(withConfig("tiny-ling-v25-ct-block", q -> {
            removeIgnore(q, "re:.*attention[.]kv_a_proj_with_mqa$");
            ((ArrayNode) q.get("ignore")).add("re:attention[.]kv_a_proj_with_mqa$");
        }));
        assertTrue(m.contains("kv_a_proj_with_mqa"), m);
        // an ignore entry naming a weight stored as FP8 is refused too
        m = refusal(withConfig("tiny-ling-v2-ct-tensor", q -> ((ArrayNode) q.get("ignore")).add("re:.*experts[.]3[.]")));
        assertTrue(m.contains("experts.3") && m.contains("F8_E4M3") && m.contains("unquantized"), m);
    }

    @Test
    void quantMethodThatDoesNotMatchTheScaleNamesIsRefused() throws Exception {
        String m = refusal(withConfig("tiny-ling-v2-ct-block", q -> {
            q.removeAll();
            q.put("quant_method", "fp8").put("fmt", "e4m3").put("activation_scheme", "dynamic");
            q.putArray("weight_block_size").add(128).add(128);
        }));
        assertTrue(m.contains("weight_scale") && m.contains("compressed-tensors"), m);
    }

    static String refusal(Path dir) {
        return assertThrows(ModelLoadException.class, () -> ModelFactory.validate(dir)).getMessage();
    }

    private static HostMatrix.Format format(String fixture, String tensor) throws Exception {
        LingConfig c = LingConfig.fromDirectory(Fixtures.model(fixture));
        try (Checkpoint ck = Checkpoint.open(Fixtures.model(fixture))) {
            WeightLoader wl = new WeightLoader(ck, c, TensorPlan.of(c));
            wl.validate();
            return wl.matrix(tensor).format();
        }
    }

    private static void removeIgnore(ObjectNode q, String entry) {
        ArrayNode ig = (ArrayNode) q.get("ignore");
        for (int i = 0; i < ig.size(); i++) {
            if (ig.get(i).asText().equals(entry)) {
                ig.remove(i);
                return;
            }
        }
        throw new AssertionError(entry + " not in " + ig);
    }

    /** A copy of the fixture's model directory with its quantization_config edited. */
    Path withConfig(String fixture, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Path dir = Files.createTempDirectory(tmp, fixture);
        try (var files = Files.list(Fixtures.model(fixture))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectNode cfg = (ObjectNode) OM.readTree(dir.resolve("config.json").toFile());
        edit.accept((ObjectNode) cfg.get("quantization_config"));
        OM.writeValue(dir.resolve("config.json").toFile(), cfg);
        return dir;
    }

    static double maxDiff(float[] want, float[] got) {
        assertEquals(want.length, got.length, "logits size");
        double d = 0;
        for (int i = 0; i < want.length; i++) {
            d = Math.max(d, Math.abs(want[i] - got[i]));
        }
        return d;
    }
}
