package io.lingspark.engine.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.model.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json → LingConfig: every §2.1 field, the rotary-width rule, YaRN, FP8, and clear refusals. */
class LingConfigTest {
    private static final ObjectMapper OM = new ObjectMapper();

    @TempDir
    Path tmp;

    private static ObjectNode fixtureConfig(String name) throws Exception {
        return (ObjectNode) OM.readTree(Fixtures.model(name).resolve("config.json").toFile());
    }

    private static String refusal(ObjectNode cfg) {
        return assertThrows(ModelLoadException.class, () -> LingConfig.fromJson(cfg, null)).getMessage();
    }

    @Test
    void fixtureFieldsAndGenerationConfig() {
        LingConfig c = LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2"));
        assertEquals(LingConfig.Family.V2, c.family);
        assertEquals(1024, c.vocabSize);
        assertEquals(4, c.numLayers);
        assertEquals(4, c.numHeads);
        assertEquals(2, c.numKvHeads);
        assertEquals(16, c.headDim);
        assertEquals(8, c.ropeDim, "partial_rotary_factor 0.5 of head_dim 16");
        assertEquals(1, c.firstKDenseReplace);
        assertEquals(16, c.numExperts);
        assertEquals(4, c.numExpertsPerTok);
        assertEquals(4, c.nGroup);
        assertEquals(2, c.topkGroup);
        assertEquals(2.5, c.routedScalingFactor);
        assertEquals(1, c.numSharedExperts);
        assertArrayEquals(new int[] {901, 904}, c.eosTokenIds);
        assertNull(c.ropeScaling);
        assertNull(c.quantization);
        assertTrue(!c.isMoeLayer(0) && c.isMoeLayer(1) && c.isMoeLayer(3));
    }

    @Test
    void rotaryWidthFollowsNoteR() throws Exception {
        ObjectNode cfg = fixtureConfig("tiny-ling-v2");
        cfg.remove("partial_rotary_factor");
        cfg.put("rotary_dim", 4);
        assertEquals(4, LingConfig.fromJson(cfg, null).ropeDim);
        cfg.remove("rotary_dim");
        assertEquals(16, LingConfig.fromJson(cfg, null).ropeDim, "no factor, no rotary_dim: the whole head");
    }

    @Test
    void yarnAndFp8() {
        LingConfig y = LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2-yarn"));
        assertNotNull(y.ropeScaling);
        assertEquals(4.0, y.ropeScaling.factor());
        LingConfig f = LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2-fp8"));
        assertNotNull(f.quantization);
    }

    @Test
    void toJsonRoundTrips() {
        LingConfig c = LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2-yarn"));
        LingConfig back = LingConfig.fromJson(c.toJson(), c.generationConfigJson());
        assertEquals(c.toString(), back.toString());
        assertArrayEquals(c.eosTokenIds, back.eosTokenIds);
        assertEquals(c.ropeDim, back.ropeDim);
    }

    @Test
    void unsupportedArchitecture() throws Exception {
        ObjectNode cfg = fixtureConfig("tiny-ling-v2");
        cfg.putArray("architectures").add("LlamaForCausalLM");
        assertTrue(refusal(cfg).contains("LlamaForCausalLM"));
    }

    @Test
    void expertsNotDivisibleByGroups() throws Exception {
        ObjectNode cfg = fixtureConfig("tiny-ling-v2");
        cfg.put("n_group", 3);
        assertTrue(refusal(cfg).contains("n_group"));
    }

    @Test
    void headsNotDivisibleByKvHeads() throws Exception {
        ObjectNode cfg = fixtureConfig("tiny-ling-v2");
        cfg.put("num_key_value_heads", 3);
        assertTrue(refusal(cfg).contains("num_key_value_heads"));
    }

    @Test
    void compressedTensorsWithoutFormatOrGroupsIsRefusedClearly() throws Exception {
        ObjectNode cfg = fixtureConfig("tiny-ling-v2");
        cfg.putObject("quantization_config").put("quant_method", "compressed-tensors");
        assertTrue(refusal(cfg).contains("compressed-tensors"));
    }

    @Test
    void everySizeIsBoundedAndEveryFieldTyped() throws Exception {
        // key, a value just past its bound (or of the wrong type): each refused, naming the key
        Object[][] bad = {
            {"vocab_size", (1 << 20) + 1}, {"hidden_size", 65_537}, {"intermediate_size", (1 << 20) + 1},
            {"num_hidden_layers", 1025}, {"num_attention_heads", 1025}, {"num_key_value_heads", 0}, {"head_dim", 1025},
            {"max_position_embeddings", (1 << 24) + 1}, {"num_experts", 16_385}, {"moe_intermediate_size", 0},
            {"num_shared_experts", 65}, {"num_nextn_predict_layers", 17}, {"num_nextn_predict_layers", -1},
            {"rope_theta", "1e6"}, {"rms_norm_eps", 1.5}, {"routed_scaling_factor", "2.5"}, {"partial_rotary_factor", "half"},
            {"eos_token_id", 1024}, {"eos_token_id", -1}, {"eos_token_id", 2.5}, {"num_hidden_layers", 4.5},
        };
        for (Object[] kv : bad) {
            ObjectNode cfg = fixtureConfig("tiny-ling-v2");
            cfg.set((String) kv[0], OM.valueToTree(kv[1]));
            String why = refusal(cfg);
            assertTrue(why.contains((String) kv[0]), kv[0] + "=" + kv[1] + ": " + why);
        }
        ObjectNode yarn = fixtureConfig("tiny-ling-v2");
        yarn.putObject("rope_scaling").put("type", "yarn").put("factor", 1e6).put("original_max_position_embeddings", 64);
        assertTrue(refusal(yarn).contains("rope_scaling factor"), refusal(yarn));
        ObjectNode v25 = fixtureConfig("tiny-ling-v25");
        v25.put("kv_lora_rank", 65_537);
        assertTrue(refusal(v25).contains("kv_lora_rank"), refusal(v25));
        ObjectNode gen = OM.createObjectNode();
        gen.putArray("eos_token_id").add(901).add(5000);
        String why = assertThrows(ModelLoadException.class, () -> LingConfig.fromJson(fixtureConfig("tiny-ling-v2"), gen)).getMessage();
        assertTrue(why.contains("generation_config.json eos_token_id 5000"), why);
    }

    @Test
    void missingFiles() throws Exception {
        assertTrue(assertThrows(ModelLoadException.class, () -> LingConfig.fromDirectory(tmp.resolve("nope")))
            .getMessage().contains("not found"));
        assertTrue(assertThrows(ModelLoadException.class, () -> LingConfig.fromDirectory(tmp))
            .getMessage().contains("config.json"));
        Files.writeString(tmp.resolve("config.json"), "{ broken");
        assertTrue(assertThrows(ModelLoadException.class, () -> LingConfig.fromDirectory(tmp))
            .getMessage().contains("config.json: not valid JSON"));
    }

    @Test
    void parameterCountsOfThePublishedModels() {
        assertEquals(16_255_643_392L, ParameterCount.total(Presets.get("ling-mini-2.0")));
        long active = ParameterCount.activePerToken(Presets.get("ling-mini-2.0"));
        assertEquals(1.433e9, active, 0.001e9);
    }
}
