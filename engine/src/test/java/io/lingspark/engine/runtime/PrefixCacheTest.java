package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.tokenizer.HfTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prefix caching through the whole engine on the upstream fixtures (Ling 2.0: KV blocks; Ling 2.5:
 * latent blocks and state snapshots): with the cache on, every request gives the tokens and
 * log-probabilities it gives with the cache off, alone, batched, under preemption and under a pool
 * so small that cached blocks are evicted, while the prompt tokens it computes fall.
 */
class PrefixCacheTest {
    private static final double TOLERANCE = 1e-6;

    /** Requests sharing prefixes of several lengths (whole, partial, none, a duplicate), as ids from the fixture. */
    static List<int[]> prompts(String model) throws Exception {
        JsonNode ref = Fixtures.reference(model);
        int[][] p = Fixtures.ints2(ref.get("prompt_ids")); // 11, 60, 69, 160 tokens
        int[] shared = concat(p[3], p[1], Arrays.copyOf(p[2], 36)); // 256 tokens: 16 blocks, 4 snapshot points
        List<int[]> out = new ArrayList<>();
        out.add(concat(shared, p[0]));
        out.add(concat(shared, p[1]));
        out.add(concat(Arrays.copyOf(shared, 200), p[0]));          // shares 12 blocks (a hybrid too: its state is saved there)
        out.add(concat(shared, Arrays.copyOfRange(p[2], 5, 40)));
        out.add(p[1]);                                              // shares nothing
        out.add(concat(shared, p[0]));                              // a duplicate of the first
        out.add(concat(Arrays.copyOf(shared, 64), p[2]));           // one snapshot point deep
        out.add(Arrays.copyOf(shared, 160));                        // ends on a block boundary
        return out;
    }

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    static List<GenerationRequest> requests(List<int[]> prompts, int maxTokens) {
        SamplingParams p = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(maxTokens).logprobs(3).build();
        return IntStream.range(0, prompts.size()).mapToObj(i -> GenerationRequest.ofIds("r" + i, prompts.get(i), p)).toList();
    }

    record Run(List<GenerationResult> results, Engine.EngineStats stats, long preemptions, long evictions) {
    }

    static Run run(EngineOptions o, List<GenerationRequest> rs, boolean oneByOne) {
        return run(LingEngine.open(o), rs, oneByOne);
    }

    /**
     * An engine whose pool has exactly these blocks and state slots (a memory budget cannot make a
     * hybrid's pool this small: its plan gives slots at most half the budget).
     */
    static LingEngine withPool(EngineOptions o, int blocks, int slots) {
        java.nio.file.Path dir = o.modelDir();
        CausalLm m = ModelFactory.open(dir, Backends.open(o));
        MemoryPlan auto = MemoryPlan.forModel(m, o.maxBatchTokens(), o.stateSlots());
        MemoryPlan plan = new MemoryPlan(auto.cacheBudget(), auto.weightBytes(), auto.activationBytes(),
            auto.kvBlockBytes(), blocks, auto.blockSize(), auto.maxBatchTokens(), auto.slotBytes(),
            auto.slotBytes() > 0 ? slots : 0);
        return new LingEngine(o, m.config(), HfTokenizer.load(dir), JinjaChatTemplate.load(dir),
            new LocalModelRunner(m, plan, o.cpuThreads()), m, 0);
    }

    static Run run(LingEngine engine, List<GenerationRequest> rs, boolean oneByOne) {
        try (LingEngine e = engine) {
            List<GenerationResult> out = new ArrayList<>();
            if (oneByOne) {
                for (GenerationRequest r : rs) {
                    out.add(e.submit(r).join());
                }
            } else {
                List<CompletableFuture<GenerationResult>> fs = rs.stream().map(e::submit).toList();
                fs.forEach(f -> out.add(f.join()));
            }
            assertEquals(0, e.stats().cacheBlocksUsed(), "every block given back");
            return new Run(out, e.stats(), e.preemptions(), e.cacheManager().evictions());
        }
    }

    static void assertSame(Run off, Run on) {
        assertEquals(off.results().size(), on.results().size());
        for (int i = 0; i < off.results().size(); i++) {
            GenerationResult a = off.results().get(i);
            GenerationResult b = on.results().get(i);
            assertTrue(a.ok(), a.errorMessage());
            assertTrue(b.ok(), b.errorMessage());
            for (int c = 0; c < a.choices().size(); c++) {
                CompletionChoice x = a.choices().get(c);
                CompletionChoice y = b.choices().get(c);
                assertArrayEquals(x.tokenIds(), y.tokenIds(), "request " + i + " choice " + c);
                for (int t = 0; t < x.logprobs().size(); t++) {
                    TokenLogprob lx = x.logprobs().get(t);
                    TokenLogprob ly = y.logprobs().get(t);
                    assertEquals(lx.logprob(), ly.logprob(), TOLERANCE, "request " + i + " token " + t);
                    for (int k = 0; k < lx.top().size(); k++) {
                        assertEquals(lx.top().get(k).tokenId(), ly.top().get(k).tokenId());
                        assertEquals(lx.top().get(k).logprob(), ly.top().get(k).logprob(), TOLERANCE);
                    }
                }
            }
        }
    }

    static EngineOptions options(String model) {
        return EngineOptions.of(Fixtures.model(model)).withMaxBatchTokens(128);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25", "tiny-ling-v2-fp8"})
    void aloneTheCacheServesSharedPrefixesAndChangesNothing(String model) throws Exception {
        List<GenerationRequest> rs = requests(prompts(model), 12);
        Run off = run(options(model).withPrefixCaching(false), rs, true);
        Run on = run(options(model), rs, true);
        assertSame(off, on);
        assertEquals(0, off.stats().cachedPromptTokens());
        long prompt = on.stats().choicePromptTokens();
        assertEquals(off.stats().choicePromptTokens(), prompt);
        // v2: every shared full block (1,168 of 1,705 prompt tokens); v2.5: a prefix is reused from the third row
        // that shares it on, the second one saving the state where they part (576 tokens)
        assertEquals(model.endsWith("v25") ? 576 : 1168, on.stats().cachedPromptTokens());
        assertEquals(prompt - on.stats().cachedPromptTokens(), on.stats().prefillTokens(),
            "only what the cache did not hold is prefilled");
        assertEquals(prompt, off.stats().prefillTokens());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25", "tiny-ling-v2-fp8"})
    void batchedRowsComputeASharedPrefixOnce(String model) throws Exception {
        List<GenerationRequest> rs = requests(prompts(model), 12);
        Run off = run(options(model).withPrefixCaching(false), rs, false);
        Run on = run(options(model), rs, false);
        assertSame(off, on);
        // Rows that share a prefix wait while the first computes it, then take it from the cache: v2 every
        // shared full block, as alone; v2.5 also asks the first to save its state where they part.
        if (model.endsWith("v25")) {
            assertTrue(on.stats().prefixCacheHitRate() > 0.5, "hit rate " + on.stats().prefixCacheHitRate());
        } else {
            assertEquals(1168, on.stats().cachedPromptTokens());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25", "tiny-ling-v2-fp8"})
    void preemptionAndEvictionInATinyPoolChangeNothing(String model) throws Exception {
        List<GenerationRequest> rs = requests(prompts(model), 24);
        EngineOptions o = options(model).withMaxBatchTokens(64).withMaxRunning(3);
        Run off = run(o.withPrefixCaching(false), rs, false);
        // 24 blocks: 384 tokens, just over the longest sequence (340), for three running sequences and
        // four snapshots (a hybrid).
        Run on = run(withPool(o, 24, 3 + 4), rs, false);
        assertSame(off, on);
        assertTrue(on.preemptions() > 0, "the pool forces preemption");
        assertTrue(on.evictions() > 0, "the pool forces cached blocks out");
        assertTrue(on.stats().cachedPromptTokens() > 0);
        Run alone = run(withPool(o, 24, 3 + 4), rs, true);
        assertSame(off, alone);
        assertTrue(alone.evictions() > 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25", "tiny-ling-v2-fp8"})
    void nChoicesShareThePromptAndEqualSingleRequestsWithTheDerivedSeeds(String model) throws Exception {
        int[] prompt = prompts(model).get(1);
        SamplingParams p = SamplingParams.builder().temperature(0.8).topP(0.95).seed(42L).n(4).maxTokens(16)
            .ignoreEos(true).logprobs(2).build();
        List<GenerationRequest> singles = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            singles.add(GenerationRequest.ofIds("s" + i, prompt,
                p.toBuilder().n(1).seed(Sampler.choiceSeed(42L, i)).build()));
        }
        Run four = run(options(model), List.of(GenerationRequest.ofIds("n4", prompt, p)), false);
        Run fourOff = run(options(model).withPrefixCaching(false), List.of(GenerationRequest.ofIds("n4", prompt, p)), false);
        Run one = run(options(model).withPrefixCaching(false), singles, false);
        assertSame(fourOff, four);
        List<CompletionChoice> choices = four.results().get(0).choices();
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(one.results().get(i).choices().get(0).tokenIds(), choices.get(i).tokenIds(), "choice " + i);
        }
        // Choices 1..3 take the prompt's full blocks from choice 0 (a hybrid: with the state it saved there).
        int bs = MemoryPlan.BLOCK_SIZE;
        int shared = (prompt.length - 1) / bs * bs;
        assertEquals(3L * shared, four.stats().cachedPromptTokens());
    }
}
