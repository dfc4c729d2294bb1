package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.IntermediateTensors;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.step.ForwardBatch;
import io.lingspark.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A step that throws fails the requests in it with ENGINE_ERROR and the engine keeps serving. The real
 * fixture model runs every step; the wrapper only injects a fault when a poisoned token id is fed.
 */
class EngineFaultTest {
    static final int POISON = 777;

    /** The real model, except that a step feeding POISON throws. */
    record Faulty(CausalLm real) implements CausalLm {
        @Override
        public LingConfig config() {
            return real.config();
        }

        @Override
        public Backend backend() {
            return real.backend();
        }

        @Override
        public int numLayers() {
            return real.numLayers();
        }

        @Override
        public CacheSpec cacheSpec(int blockSize) {
            return real.cacheSpec(blockSize);
        }

        @Override
        public IntermediateTensors embed(ForwardBatch batch) {
            for (int t : batch.tokenIds()) {
                if (t == POISON) {
                    throw new IllegalStateException("injected fault");
                }
            }
            return real.embed(batch);
        }

        @Override
        public IntermediateTensors layers(ForwardBatch batch, CachePool cache, IntermediateTensors hidden, int from, int to,
                                          int[][] routing) {
            return real.layers(batch, cache, hidden, from, to, routing);
        }

        @Override
        public Tensor logits(IntermediateTensors hidden, int[] rows) {
            return real.logits(hidden, rows);
        }

        @Override
        public void close() {
            real.close();
        }
    }

    @Test
    void failingStepFailsItsRequestsAndTheEngineGoesOn() throws Exception {
        Path dir = Fixtures.model("tiny-ling-v2");
        JsonNode ref = Fixtures.reference("tiny-ling-v2");
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        int[][] greedy = Fixtures.ints2(ref.get("greedy_fp32"));
        EngineOptions o = EngineOptions.of(dir);
        CausalLm model = new Faulty(ModelFactory.open(dir, Backends.open(o)));
        try (LingEngine e = new LingEngine(o, LingConfig.fromDirectory(dir), HfTokenizer.load(dir),
            JinjaChatTemplate.load(dir), model, 0)) {
            SamplingParams p = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(24).build();
            GenerationResult bad = e.submit(GenerationRequest.ofIds("bad", new int[] {1, POISON, 2}, p)).join();
            assertEquals(ErrorCode.ENGINE_ERROR, bad.errorCode());
            assertTrue(bad.errorMessage().contains("injected fault"), bad.errorMessage());
            GenerationResult good = e.submit(GenerationRequest.ofIds("good", prompts[0], p)).join();
            assertTrue(good.ok(), good.errorMessage());
            assertArrayEquals(greedy[0], good.choices().get(0).tokenIds());
            assertEquals(0, e.stats().running());
            assertEquals(0, e.stats().waiting());
        }
    }
}
