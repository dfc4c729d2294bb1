package io.lingspark.engine.model;

import io.lingspark.engine.runtime.ModelSession.SeqInput;
import io.lingspark.engine.runtime.ModelSession;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.LingConfig.LayerKind;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.config.ParameterCount;
import io.lingspark.engine.weights.Checkpoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Ling 2.5 config fields, the layer-kind rule, q_lora_rank null, and the Lightning decay slopes. */
class HybridConfigTest {
    private static ObjectNode fixtureJson() throws IOException {
        return (ObjectNode) new ObjectMapper().readTree(Fixtures.model(HybridModelFixtureTest.FIXTURE).resolve("config.json").toFile());
    }

    @Test
    void fixtureConfigParsesEvery25Field() {
        LingConfig c = LingConfig.fromDirectory(Fixtures.model(HybridModelFixtureTest.FIXTURE));
        assertEquals(LingConfig.Family.V2_5, c.family);
        assertEquals(2, c.layerGroupSize);
        assertEquals(2, c.groupNormSize);
        assertFalse(c.linearSilu);
        assertEquals(32, c.kvLoraRank);
        assertEquals(48, c.qLoraRank);
        assertEquals(16, c.qkNopeHeadDim);
        assertEquals(8, c.qkRopeHeadDim);
        assertEquals(16, c.vHeadDim);
        assertEquals(24, c.qkHeadDim());
        assertTrue(c.ropeInterleave);
        assertEquals(8, c.ropeDim);
        assertEquals(16, c.numExperts);
        assertEquals(4, c.numExpertsPerTok);
        assertEquals(4, c.nGroup);
        assertEquals(2, c.topkGroup);
        assertEquals(2.5, c.routedScalingFactor);
        assertArrayEquals(new int[] {901, 904}, c.eosTokenIds);
        assertEquals(List.of(LayerKind.LINEAR, LayerKind.MLA, LayerKind.LINEAR, LayerKind.MLA),
                IntStream.range(0, 4).mapToObj(c::layerKind).toList());
        assertEquals(List.of(0, 0, 1, 1), IntStream.range(0, 4).mapToObj(c::slotOf).toList());
    }

    @Test
    void qLoraRankNullMeansPlainQProjAndRoundTrips() throws IOException {
        ObjectNode j = fixtureJson();
        j.putNull("q_lora_rank");
        LingConfig c = LingConfig.fromJson(j, null);
        assertEquals(0, c.qLoraRank);
        assertTrue(c.toJson().get("q_lora_rank").isNull());
        assertEquals(0, LingConfig.fromJson(c.toJson(), null).qLoraRank);
        TensorPlan plan = TensorPlan.of(c);
        assertArrayEquals(new long[] {4 * 24, 64}, plan.shapes.get("model.layers.1.attention.q_proj.weight"));
        assertFalse(plan.shapes.containsKey("model.layers.1.attention.q_a_proj.weight"));
        // A random model with q_proj runs, and its cache gives the same logits in pieces as in one step.
        try (CpuBackend be = new CpuBackend(2)) {
            ModelSession m = ModelSession.open(ModelFactory.randomModel(c, be, 7));
            int[] ids = IntStream.range(0, 70).map(i -> (i * 37) % 1000).toArray();
            float[] whole = m.forward(List.of(new SeqInput(m.newSequence(), ids, true))).logits()[0];
            ModelSession.Seq cache = m.newSequence();
            List<float[]> parts = new ArrayList<>();
            for (int s = 0; s < ids.length; s += 9) {
                parts.add(m.forward(List.of(new SeqInput(cache, HybridModelFixtureTest.slice(ids, s, s + 9), true))).logits()[0]);
            }
            assertTrue(HybridModelFixtureTest.maxAbsDiff(whole, HybridModelFixtureTest.concat(parts)) < 1e-4);
        }
    }

    @Test
    void absentKeysTakeTheClassDefaults() throws IOException {
        ObjectNode j = fixtureJson();
        for (String k : new String[] {"layer_group_size", "group_norm_size", "linear_silu", "kv_lora_rank", "q_lora_rank",
                "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "rope_interleave", "qk_head_dim"}) {
            j.remove(k);
        }
        j.put("head_dim", 128); // rotary width 64 = the default qk_rope_head_dim
        LingConfig c = LingConfig.fromJson(j, null);
        assertEquals(5, c.layerGroupSize);
        assertEquals(4, c.groupNormSize);
        assertEquals(512, c.kvLoraRank);
        assertEquals(0, c.qLoraRank);
        assertEquals(128, c.qkNopeHeadDim);
        assertEquals(64, c.qkRopeHeadDim);
        assertEquals(128, c.vHeadDim);
        assertTrue(c.ropeInterleave);
    }

    @Test
    void invalidFieldsAreReported() throws IOException {
        ObjectNode j = fixtureJson();
        j.put("rope_interleave", false);
        j.put("group_norm_size", 3);
        j.put("scoring_func", "softmax");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LingConfig.fromJson(j, null));
        assertTrue(e.getMessage().contains("scoring_func"), e.getMessage());
        ObjectNode r = fixtureJson();
        r.put("qk_rope_head_dim", 6);
        r.remove("qk_head_dim");
        e = assertThrows(ModelLoadException.class, () -> LingConfig.fromJson(r, null));
        assertTrue(e.getMessage().contains("qk_rope_head_dim 6 != rotary width 8"), e.getMessage());
        ObjectNode k = fixtureJson();
        k.put("rope_interleave", false);
        k.put("group_norm_size", 3);
        e = assertThrows(ModelLoadException.class, () -> LingConfig.fromJson(k, null));
        assertTrue(e.getMessage().contains("rope_interleave") && e.getMessage().contains("group_norm_size"), e.getMessage());
    }

    @Test
    void layerKindRuleWithGroupsAndTail() throws IOException {
        ObjectNode j = fixtureJson();
        j.put("num_hidden_layers", 80);
        j.put("layer_group_size", 8);
        LingConfig big = LingConfig.fromJson(j, null);
        List<Integer> mla = IntStream.range(0, 80).filter(l -> big.layerKind(l) == LayerKind.MLA).boxed().toList();
        assertEquals(List.of(7, 15, 23, 31, 39, 47, 55, 63, 71, 79), mla);
        j.put("num_hidden_layers", 10);
        j.put("layer_group_size", 4);
        LingConfig tail = LingConfig.fromJson(j, null);
        // Layers 8 and 9 do not fill a group of 4: softmax (MLA) attention.
        assertEquals(List.of(3, 7, 8, 9), IntStream.range(0, 10).filter(l -> tail.layerKind(l) == LayerKind.MLA).boxed().toList());
        assertEquals(6, tail.layerCount(LayerKind.LINEAR));
    }

    @Test
    void alibiSlopesAndLayerFactor() {
        double[] s64 = LightningDecay.slopes(64);
        assertEquals(Math.pow(2, -1.0 / 8), s64[0], 1e-12);
        assertEquals(Math.pow(2, -8), s64[63], 1e-12);
        assertArrayEquals(new double[] {0.25, 0.0625, 0.015625, 0.00390625}, LightningDecay.slopes(4), 1e-15);
        // 6 heads: the 4-head slopes, then every other slope of the 8-head list (0.5, 0.125).
        assertArrayEquals(new double[] {0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125}, LightningDecay.slopes(6), 1e-15);
        // HF factor 1 − (ℓ−1)/(L−1) + 1e−5: layer 0 of 4 → 4/3 + 1e-5, layer 2 → 2/3 + 1e-5.
        assertEquals(-0.25 * (4.0 / 3 + 1e-5), LightningDecay.logDecay(4, 0, 4)[0], 1e-6);
        assertEquals(-0.0625 * (2.0 / 3 + 1e-5), LightningDecay.logDecay(4, 2, 4)[1], 1e-7);
    }

    @Test
    void parameterCountsMatchTheFixtureAndThe1tShape() throws IOException {
        LingConfig c = LingConfig.fromDirectory(Fixtures.model(HybridModelFixtureTest.FIXTURE));
        try (Checkpoint ckpt = Checkpoint.open(Fixtures.model(HybridModelFixtureTest.FIXTURE))) {
            assertEquals(ParameterCount.total(c), ModelFactory.parameterCount(ckpt, c));
        }
        // §5.1 / §8: the 2.5 1T shape has 1012.23B parameters, 63.58B active per token.
        ObjectNode j = fixtureJson();
        j.put("vocab_size", 157184).put("hidden_size", 8192).put("num_hidden_layers", 80).put("num_attention_heads", 64)
                .put("num_key_value_heads", 64).put("head_dim", 128).put("intermediate_size", 18432)
                .put("moe_intermediate_size", 2048).put("num_experts", 256).put("num_experts_per_tok", 8).put("n_group", 8)
                .put("topk_group", 4).put("first_k_dense_replace", 4).put("layer_group_size", 8).put("group_norm_size", 8)
                .put("kv_lora_rank", 512).put("q_lora_rank", 1536).put("qk_nope_head_dim", 128).put("qk_rope_head_dim", 64)
                .put("v_head_dim", 128).put("qk_head_dim", 192);
        LingConfig t = LingConfig.fromJson(j, null);
        assertEquals(1_012_231_160_320L, ParameterCount.total(t));
        assertEquals(63_580_258_816L, ParameterCount.activePerToken(t));
    }

    /** YaRN with mscale_all_dim: the MLA softmax scale gains mscale², cos/sin get mscale/mscale_all_dim (§5.1, §7). */
    @Test
    void yarnMscaleOnTheMlaScale() throws IOException {
        ObjectNode j = fixtureJson();
        j.putObject("rope_scaling").put("type", "yarn").put("factor", 4.0).put("original_max_position_embeddings", 256)
                .put("mscale", 1.0).put("mscale_all_dim", 1.0);
        LingConfig c = LingConfig.fromJson(j, null);
        double m = 0.1 * Math.log(4) + 1;
        assertEquals(m * m / Math.sqrt(24), LayerBuilder.mlaScale(c), 1e-6);
        assertEquals(1.0, c.ropeScaling.cosSinFactor(), 1e-12);
        assertEquals(1 / Math.sqrt(24), LayerBuilder.mlaScale(LingConfig.fromJson(fixtureJson(), null)), 1e-7);
    }
}
