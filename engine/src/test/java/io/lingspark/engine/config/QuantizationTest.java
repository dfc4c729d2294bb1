package io.lingspark.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.config.Quantization.Strategy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** compressed-tensors target/ignore matching (utils.match.match_name) and the block shape of each strategy. */
class QuantizationTest {
    @Test
    void regexEntriesAreReMatchAnchoredAtTheStartOnly() {
        assertTrue(Quantization.matches("model.layers.3.mlp.gate", "re:.*mlp[.]gate$"));
        assertFalse(Quantization.matches("model.layers.3.mlp.gate_proj", "re:.*mlp[.]gate$"));
        // re.match: a prefix match is enough, but the pattern must match from the first character
        assertTrue(Quantization.matches("model.layers.3.mlp.experts.7.up_proj", "re:model[.]layers[.]3[.]"));
        assertFalse(Quantization.matches("model.layers.3.attention.dense", "re:attention"));
        // exact names are whole names, not prefixes or suffixes
        assertTrue(Quantization.matches("lm_head", "lm_head"));
        assertFalse(Quantization.matches("model.lm_head", "lm_head"));
        assertTrue(Quantization.matches("model.layers.0.attention.dense", "Linear"));
    }

    @Test
    void quantizesNeedsATargetAndNoIgnoreEntry() {
        Quantization q = new Quantization(Quantization.COMPRESSED_TENSORS, Strategy.CHANNEL, 0, 0,
            List.of("re:.*experts.*"), List.of("re:.*experts[.]0[.]"));
        assertTrue(q.quantizes("model.layers.1.mlp.experts.1.up_proj"));
        assertFalse(q.quantizes("model.layers.1.mlp.experts.0.up_proj"));
        assertFalse(q.quantizes("model.layers.1.attention.dense"));
    }

    @Test
    void everyStrategyIsABlockShape() {
        Quantization channel = new Quantization(Quantization.COMPRESSED_TENSORS, Strategy.CHANNEL, 0, 0, List.of("Linear"), List.of());
        Quantization tensor = new Quantization(Quantization.COMPRESSED_TENSORS, Strategy.TENSOR, 0, 0, List.of("Linear"), List.of());
        Quantization block = new Quantization(Quantization.COMPRESSED_TENSORS, Strategy.BLOCK, 128, 64, List.of("Linear"), List.of());
        assertEquals(List.of(1, 300), List.of(channel.blockRows(200), channel.blockCols(300)));
        assertEquals(List.of(200, 300), List.of(tensor.blockRows(200), tensor.blockCols(300)));
        assertEquals(List.of(128, 64), List.of(block.blockRows(200), block.blockCols(300)));
        assertEquals("_scale", block.scaleSuffix());
        assertEquals("_scale_inv", new Quantization("fp8", 128, 128).scaleSuffix());
    }

    /** config.json written for a compressed-tensors config (random checkpoints, pipeline ranks) reads back the same. */
    @Test
    void compressedTensorsConfigRoundTripsThroughConfigJson() {
        for (Quantization q : List.of(Presets.get("bench-small-fp8").quantization,
            new Quantization(Quantization.COMPRESSED_TENSORS, Strategy.CHANNEL, 0, 0, List.of("re:.*experts.*"), List.of("lm_head")),
            new Quantization("fp8", 128, 128))) {
            LingConfig.Builder b = Presets.builder("tiny");
            b.quantization = q;
            assertEquals(q, LingConfig.fromJson(b.build().toJson(), null).quantization);
        }
    }
}
