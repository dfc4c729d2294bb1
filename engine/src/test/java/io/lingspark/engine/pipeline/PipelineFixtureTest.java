package io.lingspark.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.Greedy;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.runtime.ModelSession.SeqInput;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A model split into pipeline stages computes what the whole model computes: on every fixture (Ling
 * 2.0, YaRN, FP8, Ling 2.5 hybrid) and for 2 and 3 stages, each prompt's prefill logits at every
 * position within 1e-5 of the single engine's (on the CPU they are the same floats: the same ops run
 * in the same order, only on other threads), and the 24 greedy tokens of the upstream reference
 * with all four prompts batched through the stages.
 */
class PipelineFixtureTest {
    @ParameterizedTest(name = "{0}, {1} stages")
    @CsvSource({"tiny-ling-v2, 2", "tiny-ling-v2, 3", "tiny-ling-v2-yarn, 2", "tiny-ling-v2-yarn, 3",
        "tiny-ling-v2-fp8, 2", "tiny-ling-v25, 2", "tiny-ling-v25, 3"})
    void stagesMatchTheSingleEngine(String fixture, int stages) throws Exception {
        JsonNode ref = Fixtures.reference(fixture);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        EngineOptions o = EngineOptions.of(Fixtures.model(fixture)).withKvCacheMemory(64L << 20).withPipeline(stages, null, 1);
        try (CpuBackend be = new CpuBackend(1, 32L << 20);
             ModelSession whole = ModelSession.open(ModelFactory.open(Fixtures.model(fixture), be));
             ModelSession split = new ModelSession(Pipelines.open(o))) {
            assertEquals(stages, ((PipelineModelRunner) split.runner()).stages());
            double worst = 0;
            for (int[] p : prompts) {
                float[] want = whole.forward(List.of(new SeqInput(whole.newSequence(), p, true)), true).logits()[0];
                float[] got = split.forward(List.of(new SeqInput(split.newSequence(), p, true)), true).logits()[0];
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) {
                    worst = Math.max(worst, Math.abs(want[i] - got[i]));
                }
            }
            assertTrue(worst <= 1e-5, fixture + " max |Δlogit| " + worst);
            System.out.printf("%s, %d stages: max |Δlogit| vs the single engine = %.3g%n", fixture, stages, worst);
            int[][] want = Fixtures.ints2(ref.get("greedy_fp32"));
            int[][] got = Greedy.decode(split, prompts, 24);
            for (int p = 0; p < prompts.length; p++) {
                assertArrayEquals(want[p], got[p], fixture + " prompt " + p + " greedy through " + stages + " stages");
            }
        }
    }
}
