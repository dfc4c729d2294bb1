package io.lingspark.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The engine (scheduler, sampling, cache manager) over pipeline stages: many requests at once, so up
 * to S micro-batches of disjoint sequences are in flight, give the upstream greedy tokens and the same
 * seeded samples the single engine gives; a small cache forces preemption while steps are in flight.
 */
class PipelineEngineTest {
    static SamplingParams greedy(int n) {
        return SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(n).build();
    }

    static SamplingParams seeded(long seed) {
        return SamplingParams.builder().temperature(0.9).topP(0.95).seed(seed).maxTokens(16).ignoreEos(true).build();
    }

    static List<GenerationResult> run(LingEngine e, List<GenerationRequest> rs) {
        List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
        for (GenerationRequest r : rs) {
            fs.add(e.submit(r));
        }
        return fs.stream().map(CompletableFuture::join).toList();
    }

    @ParameterizedTest(name = "{0}, {1} stages, cache {2} MiB")
    @CsvSource({"tiny-ling-v2, 2, 64", "tiny-ling-v2, 3, 64", "tiny-ling-v25, 3, 64", "tiny-ling-v2, 2, 1"})
    void greedyAndSeededSamplesMatchTheSingleEngine(String fixture, int stages, long cacheMiB) throws Exception {
        JsonNode ref = Fixtures.reference(fixture);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        int[][] want = Fixtures.ints2(ref.get("greedy_fp32"));
        List<GenerationRequest> rs = new ArrayList<>();
        for (int copy = 0; copy < 3; copy++) {
            for (int p = 0; p < prompts.length; p++) {
                rs.add(GenerationRequest.ofIds("g" + copy + "-" + p, prompts[p], greedy(24)));
                rs.add(GenerationRequest.ofIds("s" + copy + "-" + p, prompts[p], seeded(100 + p)));
            }
        }
        EngineOptions base = EngineOptions.of(Fixtures.model(fixture)).withMaxBatchTokens(48).withCpuThreads(2)
            .withKvCacheMemory(cacheMiB << 20);
        List<GenerationResult> single;
        try (LingEngine e = LingEngine.open(base)) {
            single = run(e, rs);
        }
        try (LingEngine e = Pipelines.openEngine(base.withPipeline(stages, null, 1))) {
            List<GenerationResult> split = run(e, rs);
            for (int i = 0; i < rs.size(); i++) {
                GenerationResult r = split.get(i);
                assertTrue(r.ok(), r.errorMessage());
                assertEquals(rs.get(i).id(), r.requestId());
                assertArrayEquals(single.get(i).choices().get(0).tokenIds(), r.choices().get(0).tokenIds(), r.requestId());
                if (i % 2 == 0) {
                    assertArrayEquals(want[(i / 2) % prompts.length], r.choices().get(0).tokenIds(), r.requestId());
                }
            }
            assertTrue(e.stats().steps() > 0);
            System.out.printf("%s, %d stages, cache %d MiB: %d steps, %d preemptions%n", fixture, stages, cacheMiB,
                e.stats().steps(), e.preemptions());
        }
    }
}
