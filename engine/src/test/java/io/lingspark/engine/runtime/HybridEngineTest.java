package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.CacheFootprint;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.model.SeqInput;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine serving a Ling 2.5 hybrid model: continuous batching over latent-KV and
 * recurrent-state caches, and the scheduler's memory accounting of both kinds of state.
 */
class HybridEngineTest {
    static final String NAME = "tiny-ling-v25";

    @Test
    void footprintCountsTheLatentAndTheRecurrentState() {
        LingConfig c = LingConfig.fromDirectory(Fixtures.model(NAME));
        CacheFootprint f = CacheFootprint.of(c);
        assertTrue(f.fixedBytes() > 0 && f.bytesPerToken() > 0);
        try (CausalLm m = ModelFactory.open(Fixtures.model(NAME), new CpuBackend(1)); KvCache kc = m.newCache()) {
            int n = 100;
            m.forward(List.of(new SeqInput(kc, new int[n])));
            // The cache grows its latent rows by doubling: it holds at least the projection, at most twice the growing part.
            assertTrue(kc.bytes() >= f.bytes(n), kc.bytes() + " < " + f.bytes(n));
            assertTrue(kc.bytes() <= f.bytes(2L * n), kc.bytes() + " > " + f.bytes(2L * n));
        }
    }

    @Test
    void greedyThroughTheEngineUnderAMemoryBudgetThatForcesPreemption() throws Exception {
        JsonNode ref = Fixtures.reference(NAME);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        int[][] greedy = Fixtures.ints2(ref.get("greedy_fp32"));
        long oneSequence = CacheFootprint.of(LingConfig.fromDirectory(Fixtures.model(NAME))).bytes(184);
        try (LingEngine e = LingEngine.open(EngineOptions.of(Fixtures.model(NAME)).withMaxBatchTokens(64), oneSequence * 3 / 2)) {
            SamplingParams p = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(24).build();
            List<GenerationRequest> rs = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                rs.add(GenerationRequest.ofIds("p" + i, prompts[i], p));
            }
            List<GenerationResult> out = LingEngineTest.submitAll(e, rs);
            for (int i = 0; i < prompts.length; i++) {
                assertTrue(out.get(i).ok(), out.get(i).errorMessage());
                assertArrayEquals(greedy[i], out.get(i).choices().get(0).tokenIds(), "prompt " + i);
            }
            assertTrue(e.preemptions() > 0, "a budget of one and a half sequences preempts");
            assertEquals(0, e.stats().running());
        }
    }
}
