package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.Backends;
import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.model.SeqInput;
import io.lingspark.engine.model.StepOutput;
import io.lingspark.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.List;
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
        public KvCache newCache() {
            return real.newCache();
        }

        @Override
        public StepOutput forward(List<SeqInput> inputs, boolean recordRouting) {
            for (SeqInput in : inputs) {
                for (int t : in.tokens()) {
                    if (t == POISON) {
                        throw new IllegalStateException("injected fault");
                    }
                }
            }
            return real.forward(inputs, recordRouting);
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
        CausalLm model = new Faulty(ModelFactory.open(dir, Backends.open("cpu", 0, 0.9)));
        try (LingEngine e = new LingEngine(o, LingConfig.fromDirectory(dir), HfTokenizer.load(dir),
            JinjaChatTemplate.load(dir), model, 1L << 30, 0)) {
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
