package io.lingspark.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.RollingRequest;
import io.lingspark.engine.runtime.RollingResult;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.runtime.ScoringRequest;
import io.lingspark.engine.runtime.ScoringResult;
import io.lingspark.engine.transport.Handshake;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Scoring through pipeline stages, in this process and over TCP: the forks' block copies and state
 * restores run on every stage, the scored rows' targets travel to the last stage and their scores
 * come back, so the numbers are bit for bit the single engine's (with generation in the same steps).
 */
class PipelineScoringTest {
    record Outcome(List<ScoringResult> scores, RollingResult rolling, GenerationResult generated) {
    }

    static Outcome run(LingEngine e, int[][] prompts) {
        List<CompletableFuture<ScoringResult>> fs = new ArrayList<>();
        SamplingParams greedy = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(12).build();
        CompletableFuture<GenerationResult> gen = e.submit(GenerationRequest.ofIds("gen", prompts[0], greedy));
        for (int p = 1; p < prompts.length; p++) {
            int[] text = Arrays.copyOf(prompts[p], Math.min(prompts[p].length, 60)); // within the 64-token context
            int c = text.length / 2 + p;
            List<int[]> conts = List.of(Arrays.copyOfRange(text, c, text.length), Arrays.copyOfRange(text, c, c + 3),
                new int[] {text[c]}, new int[] {7, 8, 9, 10, 11});
            fs.add(e.score(ScoringRequest.ofIds("s" + p, Arrays.copyOf(text, c), conts).withPerTokenLogprobs(true)));
        }
        RollingResult rolling = e.scoreRolling(RollingRequest.ofIds("r", prompts[3]).withPerTokenLogprobs(true)).join();
        return new Outcome(fs.stream().map(CompletableFuture::join).toList(), rolling, gen.join());
    }

    @ParameterizedTest(name = "{0}, {1} stages, tcp {2}")
    @CsvSource({"tiny-ling-v2, 2, false", "tiny-ling-v25, 3, false", "tiny-ling-v2, 2, true", "tiny-ling-v25, 2, true"})
    void scoresMatchTheSingleEngine(String fixture, int stages, boolean tcp) throws Exception {
        int[][] prompts = Fixtures.ints2(Fixtures.reference(fixture).get("prompt_ids"));
        EngineOptions base = EngineOptions.of(Fixtures.model(fixture)).withMaxBatchTokens(48).withMaxModelLen(64)
            .withKvCacheMemory(16L << 20);
        Outcome single;
        try (LingEngine e = LingEngine.open(base.withCpuThreads(1))) {
            single = run(e, prompts);
        }
        EngineOptions split = base.withPipeline(stages, null, 1);
        Outcome piped;
        if (tcp) {
            List<StageGroup> groups = new ArrayList<>();
            for (int r = 0; r < stages; r++) {
                groups.add(PipelineRanks.load(split, r, stages));
            }
            PipelineModelRunner runner = PipelineRanks.loopback(groups, Handshake.newSecret(), TcpPipelineTest.FAST);
            try (LingEngine e = LingEngine.open(split, (o, c) -> new LingEngine.Loaded(runner, () -> { }, "tcp"))) {
                piped = run(e, prompts);
            }
        } else {
            try (LingEngine e = Pipelines.openEngine(split)) {
                piped = run(e, prompts);
            }
        }
        for (int i = 0; i < single.scores().size(); i++) {
            ScoringResult a = single.scores().get(i);
            ScoringResult b = piped.scores().get(i);
            assertTrue(a.ok() && b.ok(), a.errorMessage() + " / " + b.errorMessage());
            for (int k = 0; k < a.continuations().size(); k++) {
                assertArrayEquals(a.continuations().get(k).tokenLogprobs(), b.continuations().get(k).tokenLogprobs(), 0,
                    a.requestId() + " continuation " + k);
                assertEquals(a.continuations().get(k).greedy(), b.continuations().get(k).greedy());
            }
            assertEquals(a.cachedTokens(), b.cachedTokens(), "the same forks");
        }
        assertTrue(piped.rolling().ok(), piped.rolling().errorMessage());
        assertEquals(3, piped.rolling().windows());
        assertArrayEquals(single.rolling().tokenLogprobs(), piped.rolling().tokenLogprobs(), 0);
        assertArrayEquals(single.generated().choices().get(0).tokenIds(), piped.generated().choices().get(0).tokenIds());
    }
}
