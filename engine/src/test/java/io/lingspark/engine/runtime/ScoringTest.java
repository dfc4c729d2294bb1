package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.model.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scoring requests on the fixtures against the upstream fp32 logits (reference.safetensors): every
 * continuation token's log-probability is log_softmax of its row there, within 1e-4, alone and batched
 * with generation; the greedy flag is argmax agreement; a context is computed once for all its
 * continuations (the engine's prefill count says so), with and without the prefix cache, and when
 * memory is too short to fork.
 */
class ScoringTest {
    static final double TOL = 1e-4;

    /** A fixture's prompts and their reference logits [T·V] per prompt. */
    record Ref(int[][] prompts, float[][] logits, int vocab) {
        static Ref of(String fixture) throws Exception {
            JsonNode ref = Fixtures.reference(fixture);
            int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
            float[][] logits = new float[prompts.length][];
            for (int p = 0; p < prompts.length; p++) {
                logits[p] = Fixtures.logits(fixture, "logits_fp32." + p);
            }
            return new Ref(prompts, logits, logits[0].length / prompts[0].length);
        }

        /** log_softmax of prompt p's row at position pos, at token t (double throughout). */
        double logprob(int p, int pos, int t) {
            return logprob(logits[p], pos * vocab, vocab, t);
        }

        static double logprob(float[] l, int off, int v, int t) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) {
                max = Math.max(max, l[off + i]);
            }
            double sum = 0;
            for (int i = 0; i < v; i++) {
                sum += Math.exp(l[off + i] - max);
            }
            return l[off + t] - max - Math.log(sum);
        }

        boolean argmaxIs(int p, int pos, int t) {
            return argmax(logits[p], pos * vocab, vocab) == t;
        }

        static int argmax(float[] l, int off, int v) {
            int best = 0;
            for (int i = 1; i < v; i++) {
                if (l[off + i] > l[off + best]) {
                    best = i;
                }
            }
            return best;
        }
    }

    /** A continuation of prompt p's context [0, c): tokens [c, c + m) of the prompt, or other ids (then m = 1). */
    record Cont(int p, int c, int[] ids) {
        static Cont of(Ref r, int p, int c, int m) {
            return new Cont(p, c, Arrays.copyOfRange(r.prompts[p], c, c + m));
        }
    }

    static ScoringRequest request(Ref r, String id, int p, int c, List<Cont> conts) {
        List<int[]> ids = conts.stream().map(Cont::ids).toList();
        return ScoringRequest.ofIds(id, Arrays.copyOf(r.prompts[p], c), ids).withPerTokenLogprobs(true);
    }

    /** Each continuation token against the reference row that predicts it; greedy as argmax agreement. */
    static void assertMatches(Ref r, ScoringResult res, List<Cont> conts) {
        assertTrue(res.ok(), res.errorMessage());
        assertEquals(conts.size(), res.continuations().size());
        for (int i = 0; i < conts.size(); i++) {
            Cont k = conts.get(i);
            ScoringResult.ContinuationScore s = res.continuations().get(i);
            assertEquals(k.c, res.contextTokens());
            assertArrayEquals(k.ids, s.tokenIds());
            assertEquals(k.ids.length, s.tokens());
            double sum = 0;
            boolean greedy = true;
            for (int j = 0; j < k.ids.length; j++) {
                double want = r.logprob(k.p, k.c - 1 + j, k.ids[j]);
                assertEquals(want, s.tokenLogprobs()[j], TOL, res.requestId() + " continuation " + i + " token " + j);
                sum += want;
                greedy &= r.argmaxIs(k.p, k.c - 1 + j, k.ids[j]);
            }
            assertEquals(sum, s.logprob(), TOL, res.requestId() + " continuation " + i);
            assertEquals(greedy, s.greedy(), res.requestId() + " continuation " + i + " greedy");
        }
    }

    /** Prompt p's context of c tokens with continuations of these lengths (its own tokens) and two single other tokens. */
    static List<Cont> continuations(Ref r, int p, int c, int... lengths) {
        List<Cont> out = new ArrayList<>();
        for (int m : lengths) {
            out.add(Cont.of(r, p, c, m));
        }
        int argmax = Ref.argmax(r.logits[p], (c - 1) * r.vocab, r.vocab);
        out.add(new Cont(p, c, new int[] {argmax}));            // greedy by construction
        out.add(new Cont(p, c, new int[] {(argmax + 7) % 900}));
        return out;
    }

    static int forks(Ref r, List<Cont> conts) {
        return (int) conts.stream().skip(1).filter(k -> k.ids.length > 1).count();
    }

    /** Tokens a request must compute: its context once, each continuation's tokens but the last. */
    static int computed(List<Cont> conts) {
        return conts.get(0).c + conts.stream().mapToInt(k -> k.ids.length - 1).sum();
    }

    /** Tokens of a request's sequences: the lead (context and its continuation), then each fork's. */
    static int sequenceTokens(List<Cont> conts) {
        int c = conts.get(0).c;
        return c + conts.get(0).ids.length - 1 + conts.stream().skip(1).filter(k -> k.ids.length > 1)
            .mapToInt(k -> c + k.ids.length - 1).sum();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25"})
    void eachRequestAloneMatchesTheReferenceLogits(String fixture) throws Exception {
        Ref r = Ref.of(fixture);
        // 48-token steps: the 100-token context and the 60-token continuation span chunks; 17 crosses a block
        try (LingEngine e = LingEngine.open(EngineOptions.of(Fixtures.model(fixture)).withMaxBatchTokens(48))) {
            for (int c : new int[] {100, 96, 1}) {
                List<Cont> conts = continuations(r, 3, c, 160 - c, 17, 1);
                long before = e.stats().prefillTokens();
                ScoringResult res = e.score(request(r, "c" + c, 3, c, conts)).join();
                assertMatches(r, res, conts);
                // The forks took the context from the lead's cache (an earlier request's cached blocks may serve more).
                assertTrue(res.cachedTokens() >= c * forks(r, conts), "context " + c + " computed once");
                assertEquals(sequenceTokens(conts) - res.cachedTokens(), e.stats().prefillTokens() - before);
            }
        }
    }

    @ParameterizedTest(name = "{0}, prefix cache {1}")
    @CsvSource({"tiny-ling-v2, true", "tiny-ling-v2, false", "tiny-ling-v25, true", "tiny-ling-v25, false"})
    void batchedWithGenerationEachContextIsComputedOnce(String fixture, boolean prefixCache) throws Exception {
        Ref r = Ref.of(fixture);
        int[][] greedy = Fixtures.ints2(Fixtures.reference(fixture).get("greedy_fp32"));
        List<List<Cont>> all = List.of(continuations(r, 1, 40, 20, 5, 3), continuations(r, 2, 33, 36, 36, 2),
            continuations(r, 3, 150, 10, 9, 1, 4));
        int[] promptOf = {1, 2, 3};
        try (LingEngine e = LingEngine.open(EngineOptions.of(Fixtures.model(fixture)).withMaxBatchTokens(64)
            .withPrefixCaching(prefixCache))) {
            SamplingParams p = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(24).build();
            CompletableFuture<GenerationResult> gen = e.submit(GenerationRequest.ofIds("gen", r.prompts[0], p));
            List<CompletableFuture<ScoringResult>> fs = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                fs.add(e.score(request(r, "s" + i, promptOf[i], all.get(i).get(0).c, all.get(i))));
            }
            int wantPrefill = r.prompts[0].length;
            int wantForked = 0;
            int withoutForks = r.prompts[0].length;
            for (int i = 0; i < all.size(); i++) {
                ScoringResult res = fs.get(i).join();
                assertMatches(r, res, all.get(i));
                int c = all.get(i).get(0).c;
                wantPrefill += computed(all.get(i));
                wantForked += c * forks(r, all.get(i));
                assertEquals(c * forks(r, all.get(i)), res.cachedTokens(), "s" + i + ": its forks took the context from the cache");
                withoutForks += all.get(i).stream().filter(k -> k.ids.length > 1).mapToInt(k -> c + k.ids.length - 1).sum();
            }
            assertArrayEquals(greedy[0], gen.join().choices().get(0).tokenIds());
            Engine.EngineStats st = e.stats();
            assertEquals(wantPrefill, st.prefillTokens(), "every context computed once, each continuation's own tokens once");
            assertTrue(st.prefillTokens() < withoutForks);
            assertEquals(wantForked, st.cachedPromptTokens());
            assertEquals(0, st.running());
            assertEquals(0, st.cacheBlocksUsed(), "forks gave back every block they held");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25"})
    void withTooLittleMemoryToForkContinuationsComputeTheirContextThemselves(String fixture) throws Exception {
        Ref r = Ref.of(fixture);
        List<Cont> conts = continuations(r, 3, 100, 60, 50, 40, 30, 20);
        // Room for one and a half (2.0: 15 blocks of 16 tokens at 1 KiB a token) or two (2.5) of these sequences at
        // once: most continuations cannot fork when the context is done.
        long budget = fixture.equals("tiny-ling-v25") ? 2 * HybridEngineTest.sequenceBytes(
            io.lingspark.engine.config.LingConfig.fromDirectory(Fixtures.model(fixture)), 170) : 15 * 16 * 1024;
        try (LingEngine e = LingEngine.open(EngineOptions.of(Fixtures.model(fixture)).withMaxBatchTokens(64)
            .withKvCacheMemory(budget))) {
            ScoringResult res = e.score(request(r, "tight", 3, 100, conts)).join();
            assertMatches(r, res, conts);
            assertTrue(e.stats().prefillTokens() > computed(conts), "some continuations computed the context again");
            assertEquals(0, e.stats().cacheBlocksUsed());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25"})
    void rollingLoglikelihoodIsTheWindowedDefinition(String fixture) throws Exception {
        Ref r = Ref.of(fixture);
        int window = 32;
        int prefix = 900; // tokenizer_config.json's bos_token <|startoftext|>
        try (LingEngine e = LingEngine.open(EngineOptions.of(Fixtures.model(fixture)).withMaxModelLen(window)
            .withMaxBatchTokens(48));
             ModelSession session = ModelSession.open(io.lingspark.engine.model.ModelFactory.open(Fixtures.model(fixture),
                 new io.lingspark.engine.backend.cpu.CpuBackend(1)))) {
            assertEquals(window, e.contextLength());
            for (int p : new int[] {3, 1, 0}) {
                int[] text = r.prompts[p];
                RollingResult res = e.scoreRolling(RollingRequest.ofIds("t" + p, text).withPerTokenLogprobs(true)).join();
                assertTrue(res.ok(), res.errorMessage());
                // The windows as lm-eval defines them (context_len 1), each run alone through the model for
                // its logits: the first reads the prefix token and predicts up to 32 tokens; each later one reads
                // the 32 tokens before its last prediction and predicts up to 32 more.
                double want = 0;
                int windows = 0;
                for (int done = 0; done < text.length; windows++) {
                    int[] input;
                    int first;   // position in text that the input's row 0 predicts
                    int end;
                    if (done == 0) {
                        end = Math.min(window, text.length);
                        input = new int[end];
                        input[0] = prefix;
                        System.arraycopy(text, 0, input, 1, end - 1);
                        first = 0;
                    } else {
                        end = Math.min(text.length, done + window);
                        input = Arrays.copyOfRange(text, end - window - 1, end - 1);
                        first = end - window;
                    }
                    float[] l = session.forward(List.of(new ModelSession.SeqInput(session.newSequence(), input, true)))
                        .logits()[0];
                    for (int t = done; t < end; t++) {
                        double lp = Ref.logprob(l, (t - first) * r.vocab, r.vocab, text[t]);
                        assertEquals(lp, res.tokenLogprobs()[t], TOL, "prompt " + p + " token " + t);
                        want += lp;
                    }
                    done = end;
                }
                assertEquals(want, res.logprob(), TOL);
                assertEquals(text.length, res.tokens());
                assertEquals(windows, res.windows());
                assertEquals((text.length + window - 1) / window, res.windows());
                assertEquals(Math.exp(-res.logprob() / text.length), res.perplexity(), 1e-9);
            }
        }
    }
}
