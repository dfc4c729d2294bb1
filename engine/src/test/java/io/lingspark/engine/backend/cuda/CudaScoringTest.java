package io.lingspark.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.ScoringRequest;
import io.lingspark.engine.runtime.ScoringResult;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scoring on the CUDA backend (skips itself without kernels and a GPU): a continuation forked from its
 * context's cache (shared blocks, the partial block copied on the device before the step) scores what
 * the same continuation scores as a lead that computed the context itself, and both stay near the CPU
 * engine's numbers (bf16 weights and cache on the GPU).
 */
class CudaScoringTest {
    @Test
    void aForkedContinuationScoresWhatItScoresUnforked() throws Exception {
        assumeTrue(CudaContext.kernelsBuilt(), "CUDA kernels not built");
        assumeTrue(CudaContext.deviceAvailable(), "no CUDA device");
        int[] prompt = Fixtures.ints2(Fixtures.reference("tiny-ling-v2").get("prompt_ids"))[3];
        int c = 100; // ends inside a block: the fork's first step copies it
        int[] ctx = Arrays.copyOf(prompt, c);
        int[] a = Arrays.copyOfRange(prompt, c, c + 30);
        int[] b = Arrays.copyOfRange(prompt, c, c + 12);
        EngineOptions o = EngineOptions.of(Fixtures.model("tiny-ling-v2")).withMaxBatchTokens(64);
        ScoringResult cpu;
        try (LingEngine e = LingEngine.open(o.withDevice("cpu"))) {
            cpu = e.score(ScoringRequest.ofIds("cpu", ctx, List.of(b)).withPerTokenLogprobs(true)).join();
        }
        try (LingEngine e = LingEngine.open(o.withDevice("cuda").withPrefixCaching(false))) { // alone computes the context itself
            ScoringResult forked = e.score(ScoringRequest.ofIds("forked", ctx, List.of(a, b)).withPerTokenLogprobs(true)).join();
            ScoringResult alone = e.score(ScoringRequest.ofIds("alone", ctx, List.of(b)).withPerTokenLogprobs(true)).join();
            assertTrue(forked.ok() && alone.ok(), forked.errorMessage() + " / " + alone.errorMessage());
            assertEquals(c, forked.cachedTokens(), "b forked from the context");
            double[] f = forked.continuations().get(1).tokenLogprobs();
            double[] u = alone.continuations().get(0).tokenLogprobs();
            double[] r = cpu.continuations().get(0).tokenLogprobs();
            for (int j = 0; j < b.length; j++) {
                assertEquals(u[j], f[j], 0.05, "token " + j + ": forked against unforked, on the GPU");
                assertEquals(r[j], f[j], 0.5, "token " + j + ": GPU against CPU");
            }
        }
    }
}
