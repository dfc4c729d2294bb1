package io.lingspark.engine.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.weights.SafetensorsFile;
import io.lingspark.engine.weights.SafetensorsWriter;
import io.lingspark.engine.weights.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every compressed-tensors variant the engine does not run is refused with a ModelLoadException that
 * names it, from the config (config_groups fields) or from the tensors (input_scale, zero points,
 * packed weights, wrong scale shapes or dtypes). Each case starts from a fixture that loads.
 */
class CompressedTensorsRefusalTest {
    private static final ObjectMapper OM = new ObjectMapper();
    private static final String FIXTURE = "tiny-ling-v2-ct-block";

    @TempDir
    Path tmp;

    private static String refusal(Consumer<ObjectNode> editQuantizationConfig) throws Exception {
        ObjectNode cfg = (ObjectNode) OM.readTree(Fixtures.model(FIXTURE).resolve("config.json").toFile());
        LingConfig.fromJson(cfg.deepCopy(), null); // the unedited config loads
        editQuantizationConfig.accept((ObjectNode) cfg.get("quantization_config"));
        return assertThrows(ModelLoadException.class, () -> LingConfig.fromJson(cfg, null)).getMessage();
    }

    private static ObjectNode weights(ObjectNode q) {
        return (ObjectNode) q.get("config_groups").get("group_0").get("weights");
    }

    private static ObjectNode inputs(ObjectNode q) {
        return (ObjectNode) q.get("config_groups").get("group_0").get("input_activations");
    }

    private static void assertNames(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + p + "' not in: " + message);
        }
    }

    @Test
    void staticActivationScales() throws Exception {
        assertNames(refusal(q -> inputs(q).put("dynamic", false).put("strategy", "tensor")),
            "input_activations.dynamic", "static activation");
    }

    @Test
    void bitWidthOtherThan8() throws Exception {
        assertNames(refusal(q -> weights(q).put("num_bits", 4)), "weights.num_bits 4");
    }

    @Test
    void intType() throws Exception {
        assertNames(refusal(q -> weights(q).put("type", "int")), "weights.type 'int'");
    }

    @Test
    void groupStrategy() throws Exception {
        assertNames(refusal(q -> weights(q).put("strategy", "group").put("group_size", 128)), "weights.strategy 'group'");
    }

    @Test
    void asymmetric() throws Exception {
        assertNames(refusal(q -> weights(q).put("symmetric", false)), "weights.symmetric false", "zero points");
    }

    @Test
    void otherFormats() throws Exception {
        assertNames(refusal(q -> q.put("format", "pack-quantized")), "format 'pack-quantized'");
        assertNames(refusal(q -> q.put("format", "int-quantized")), "format 'int-quantized'");
        assertNames(refusal(q -> ((ObjectNode) q.get("config_groups").get("group_0")).put("format", "naive-quantized")),
            "group_0.format 'naive-quantized'");
    }

    @Test
    void kvCacheAndOutputQuantizationAndMixedSchemes() throws Exception {
        assertNames(refusal(q -> q.putObject("kv_cache_scheme").put("num_bits", 8)), "kv_cache_scheme");
        assertNames(refusal(q -> ((ObjectNode) q.get("config_groups").get("group_0")).putObject("output_activations")
            .put("num_bits", 8)), "output_activations");
        assertNames(refusal(q -> {
            ObjectNode g1 = ((ObjectNode) q.get("config_groups")).putObject("group_1");
            g1.putArray("targets").add("re:.*experts.*");
            g1.set("weights", weights(q).deepCopy().put("strategy", "channel"));
        }), "group_1", "channel", "block 40x48");
        assertNames(refusal(q -> ((ObjectNode) q.get("config_groups").get("group_0")).putArray("targets").add("MyAttention")),
            "targets entry 'MyAttention'");
        assertNames(refusal(q -> q.putArray("ignore").add("re:[unclosed")), "not a valid regex");
    }

    @Test
    void staticInputScaleAndZeroPointTensorsAreRefusedByName() throws Exception {
        String m = tensorRefusal("model.layers.1.attention.dense.input_scale", new long[] {1});
        assertNames(m, "model.layers.1.attention.dense.input_scale", "static activation");
        m = tensorRefusal("model.layers.1.attention.dense.weight_zero_point", new long[] {2, 2});
        assertNames(m, "weight_zero_point", "asymmetric");
        m = tensorRefusal("model.layers.1.attention.dense.weight_packed", new long[] {64, 8});
        assertNames(m, "weight_packed", "float-quantized");
    }

    @Test
    void scaleShapeOrDtypeOfAnotherStrategyIsRefused() throws Exception {
        // the block fixture's scales with a config that says channel: [rows, 1] expected
        Path dir = copy(FIXTURE);
        ObjectNode cfg = (ObjectNode) OM.readTree(dir.resolve("config.json").toFile());
        ObjectNode w = (ObjectNode) cfg.get("quantization_config").get("config_groups").get("group_0").get("weights");
        w.put("strategy", "channel").putNull("block_structure");
        OM.writeValue(dir.resolve("config.json").toFile(), cfg);
        String m = assertThrows(ModelLoadException.class, () -> ModelFactory.validate(dir)).getMessage();
        assertNames(m, "weight_scale", "channel strategy");
    }

    /** The fixture plus one extra tensor, served through a shard index as real multi-file checkpoints are. */
    private String tensorRefusal(String extra, long[] shape) throws Exception {
        Path dir = copy(FIXTURE);
        ModelFactory.validate(dir); // loads as it is
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        new SafetensorsWriter().addF32(extra, shape, new float[(int) n]).write(dir.resolve("extra.safetensors"));
        ObjectNode index = OM.createObjectNode();
        index.putObject("metadata");
        ObjectNode map = index.putObject("weight_map");
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            for (TensorInfo t : f.tensors().values()) {
                map.put(t.name(), "model.safetensors");
            }
        }
        map.put(extra, "extra.safetensors");
        OM.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        return assertThrows(ModelLoadException.class, () -> ModelFactory.validate(dir)).getMessage();
    }

    private Path copy(String fixture) throws Exception {
        Path dir = Files.createTempDirectory(tmp, fixture);
        try (var files = Files.list(Fixtures.model(fixture))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }
}
