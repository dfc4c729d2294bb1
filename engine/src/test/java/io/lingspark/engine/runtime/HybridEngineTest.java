package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.ModelFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine serving a Ling 2.5 hybrid model: continuous batching over latent-KV blocks and
 * recurrent-state slots, both counted by the one cache manager in one memory budget.
 */
class HybridEngineTest {
    static final String NAME = "tiny-ling-v25";

    /** Bytes of one sequence of n tokens: its state slot (every linear layer) and its latent rows (every MLA layer), fp32. */
    static long sequenceBytes(LingConfig c, long n) {
        long state = 4L * c.layerCount(LingConfig.LayerKind.LINEAR) * c.numHeads * c.headDim * c.headDim;
        long perToken = 4L * c.layerCount(LingConfig.LayerKind.MLA) * (c.kvLoraRank + c.qkRopeHeadDim);
        return state + n * perToken;
    }

    @Test
    void aSequenceHoldsItsLatentBlocksAndItsStateSlot() {
        LingConfig c = LingConfig.fromDirectory(Fixtures.model(NAME));
        try (CausalLm m = ModelFactory.open(Fixtures.model(NAME), new CpuBackend(1)); ModelSession s = ModelSession.open(m)) {
            MemoryPlan p = s.plan();
            assertEquals(sequenceBytes(c, 0), p.slotBytes());
            assertEquals(16 * (sequenceBytes(c, 1) - sequenceBytes(c, 0)), p.kvBlockBytes());
            ModelSession.Seq seq = s.newSequence();
            int n = 100;
            s.forward(List.of(new ModelSession.SeqInput(seq, new int[n])));
            // Blocks of 16 tokens: at least the tokens' rows, at most one block more.
            assertTrue(seq.bytes() >= sequenceBytes(c, n), seq.bytes() + " < " + sequenceBytes(c, n));
            assertTrue(seq.bytes() < sequenceBytes(c, n + 16), seq.bytes() + " >= " + sequenceBytes(c, n + 16));
            assertEquals(7, s.cacheManager().usedBlocks());
            assertEquals(1, s.cacheManager().totalSlots() - s.cacheManager().freeSlots());
            seq.close();
            assertEquals(0, s.cacheManager().usedBlocks());
            assertEquals(s.cacheManager().totalSlots(), s.cacheManager().freeSlots());
        }
    }

    @Test
    void greedyThroughTheEngineUnderAMemoryBudgetThatForcesPreemption() throws Exception {
        JsonNode ref = Fixtures.reference(NAME);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        int[][] greedy = Fixtures.ints2(ref.get("greedy_fp32"));
        long oneSequence = sequenceBytes(LingConfig.fromDirectory(Fixtures.model(NAME)), 184);
        try (LingEngine e = LingEngine.open(EngineOptions.of(Fixtures.model(NAME)).withMaxBatchTokens(64)
            .withKvCacheMemory(oneSequence * 3 / 2))) {
            // One request's choices reach the scheduler in one submission, so the shortage does not depend on
            // how a test thread's submissions interleave with the scheduler's steps (four requests submitted
            // one by one may never run together): three copies of the 60-token prompt fit at admission and
            // outgrow the pool while they decode.
            GenerationResult three = e.submit(GenerationRequest.ofIds("three", prompts[1],
                SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(24).n(3).build())).get();
            assertTrue(three.ok(), three.errorMessage());
            for (CompletionChoice c : three.choices()) {
                assertArrayEquals(greedy[1], c.tokenIds(), "choice " + c.index());
            }
            assertTrue(e.preemptions() > 0, "a budget of one and a half sequences preempts");
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
            assertEquals(0, e.stats().running());
            assertEquals(0, e.stats().cacheBlocksUsed());
        }
    }
}
