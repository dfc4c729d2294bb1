package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.runtime.LogitMask;
import io.lingspark.engine.runtime.Sampler;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.tokenizer.HfTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The token index against brute force on the fixture's byte-level vocabulary: a token is allowed exactly
 * when each of its bytes keeps the answer a live prefix, end-of-sequence exactly where the answer is
 * complete, including tokens that hold part of a UTF-8 character and tokens that straddle the end of the
 * constraint.
 */
class TokenMaskTest {
    static HfTokenizer tok;
    static LingConfig config;
    static TokenVocabulary vocab;

    @BeforeAll
    static void load() {
        tok = HfTokenizer.load(Fixtures.model("tiny-ling-v2"));
        config = LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2"));
        vocab = new TokenVocabulary(tok, config.vocabSize, config.eosTokenIds);
    }

    static TokenGrammar grammar(StructuredOutput spec) {
        return GrammarCache.compile(vocab, spec);
    }

    /** Brute force: step every token's bytes from state, one byte at a time. */
    static long[] bruteForce(TokenGrammar g, int state) {
        long[] m = new long[(config.vocabSize + 63) / 64];
        for (int id = 0; id < config.vocabSize; id++) {
            byte[] b = vocab.bytes(id);
            if (b != null && g.step(state, b, 0, b.length) >= 0) {
                m[id >>> 6] |= 1L << id;
            }
        }
        if (g.accepts(state)) {
            for (int e : config.eosTokenIds) {
                m[e >>> 6] |= 1L << e;
            }
        }
        return m;
    }

    @Test
    void vocabularyHoldsEveryByteLevelTokenAndNoAddedOne() {
        assertEquals(900, vocab.tokens(), "the fixture's 900 BPE tokens; its 9 added tokens and padding ids excluded");
        assertNull(vocab.bytes(901));
        assertNull(vocab.bytes(905)); // <tool_call>: added, not special
        assertNull(vocab.bytes(1000)); // padding row
        for (int b = 0; b < 256; b++) {
            boolean found = false;
            for (int id = 0; id < 900 && !found; id++) {
                found = Arrays.equals(vocab.bytes(id), new byte[] {(byte) b});
            }
            assertTrue(found, "byte-level BPE has a token for byte " + b);
        }
    }

    @Test
    void masksEqualBruteForceAlongRandomWalks() {
        List<StructuredOutput> specs = List.of(
            StructuredOutput.choice(List.of("positive", "negative", "neutral", "très bien", "日本語", "😀 ok")),
            StructuredOutput.regex("[a-z]{2,6}@[a-z]{2,4}\\.com"),
            StructuredOutput.regex("(yes|no|maybe)( because [a-z ]{1,20})?"));
        SplittableRandom rnd = new SplittableRandom(7);
        for (StructuredOutput spec : specs) {
            TokenGrammar g = grammar(spec);
            for (int walk = 0; walk < 20; walk++) {
                int state = g.start();
                for (int step = 0; step < 40; step++) {
                    long[] expected = bruteForce(g, state);
                    assertArrayEquals(expected, g.mask(state), spec.key() + " state " + state);
                    List<Integer> ids = new ArrayList<>();
                    for (int id = 0; id < config.vocabSize; id++) {
                        if ((expected[id >>> 6] >>> id & 1) != 0) {
                            ids.add(id);
                        }
                    }
                    int id = ids.get(rnd.nextInt(ids.size()));
                    if (config.isEos(id)) {
                        assertTrue(g.accepts(state));
                        break;
                    }
                    state = g.stepToken(state, id);
                    assertTrue(state >= 0);
                }
            }
        }
    }

    @Test
    void tokensSplittingAUtf8CharacterAreAllowedAndLive() {
        TokenGrammar g = grammar(StructuredOutput.choice(List.of("日本", "é")));
        byte[] ja = "日".getBytes(StandardCharsets.UTF_8); // E6 97 A5
        int first = idOf(new byte[] {ja[0]});
        int other = idOf(new byte[] {(byte) 0xE7});
        long[] m = g.mask(g.start());
        assertTrue(bit(m, first), "the first byte of 日 alone is a live prefix");
        assertFalse(bit(m, other));
        int s = g.stepToken(g.start(), first);
        assertTrue(s >= 0 && !g.accepts(s));
        assertTrue(bit(g.mask(s), idOf(new byte[] {ja[1]})));
        assertFalse(bit(g.mask(s), idOf(new byte[] {ja[0]})));
        for (int e : config.eosTokenIds) {
            assertFalse(bit(m, e), "not complete at the start");
        }
    }

    @Test
    void tokensStraddlingTheEndOfTheConstraintAreRejected() {
        // "cat" is complete; a token "cat" + more bytes must not be allowed, "ca" then "t" must.
        TokenGrammar g = grammar(StructuredOutput.choice(List.of("cat")));
        int s = g.start();
        for (int id = 0; id < config.vocabSize; id++) {
            byte[] b = vocab.bytes(id);
            if (b == null) {
                continue;
            }
            String t = new String(b, StandardCharsets.ISO_8859_1);
            boolean prefix = "cat".startsWith(t);
            assertEquals(prefix, bit(g.mask(s), id), "token '" + t + "'");
        }
        int done = g.step(s, "cat".getBytes(StandardCharsets.UTF_8), 0, 3);
        assertTrue(g.accepts(done));
        long[] end = g.mask(done);
        for (int id = 0; id < config.vocabSize; id++) {
            assertEquals(config.isEos(id), bit(end, id), "only end-of-sequence after a complete answer: id " + id);
        }
    }

    @Test
    void applyMaskKeepsAllowedLogitsUntouched() {
        int v = 1000; // not a multiple of 64
        SplittableRandom rnd = new SplittableRandom(3);
        float[] l = new float[v + 10];
        long[] allowed = new long[(v + 63) / 64];
        for (int i = 0; i < v; i++) {
            l[5 + i] = (float) rnd.nextGaussian();
            if (i < 64 || (i >= 128 && i < 192 && i % 3 == 0) || i == 999) {
                allowed[i >>> 6] |= 1L << i;
            }
        }
        allowed[1] = 0;
        float[] before = l.clone();
        LogitMask.apply(l, 5, v, allowed);
        for (int i = 0; i < v; i++) {
            boolean ok = (allowed[i >>> 6] >>> i & 1) != 0;
            assertEquals(ok ? before[5 + i] : Float.NEGATIVE_INFINITY, l[5 + i], 0f, "id " + i);
        }
        assertEquals(before[0], l[0]);
        assertEquals(before[v + 5], l[v + 5]);
    }

    /** A narrow constraint is sampled among its candidates: the same token as masking the whole row. */
    @Test
    void candidatesOnlySamplingEqualsMaskingTheRow() {
        SplittableRandom rnd = new SplittableRandom(9);
        int v = 1024;
        int compared = 0;
        for (int t = 0; t < 400; t++) {
            long[] allowed = new long[v / 64];
            int count = 1 + rnd.nextInt(t % 4 == 0 ? 3 : 300);
            for (int k = 0; k < count; k++) {
                int id = rnd.nextInt(v);
                allowed[id >>> 6] |= 1L << id;
            }
            float[] logits = new float[v];
            for (int i = 0; i < v; i++) {
                logits[i] = (float) (rnd.nextGaussian() * 3);
            }
            SamplingParams.Builder b = SamplingParams.builder().temperature(t % 5 == 0 ? 0 : 0.3 + rnd.nextDouble())
                .topK(t % 3 == 0 ? 1 + rnd.nextInt(40) : 0).topP(t % 2 == 0 ? 0.5 + rnd.nextDouble() / 2 : 1)
                .minP(t % 7 == 0 ? 0.05 : 0).repetitionPenalty(t % 4 == 1 ? 1.3 : 1).frequencyPenalty(t % 6 == 2 ? 0.5 : 0)
                .minTokens(t % 8 == 3 ? 4 : 0).logprobs(t % 5 == 1 ? 3 : null);
            SamplingParams p = b.build();
            int[] history = rnd.ints(30, 0, v).toArray();
            int[] blocked = {901, 904};
            Sampler.Row narrow = new Sampler.Row(p, 77 + t, 2, blocked, history, 20, 30, allowed);
            Sampler.Sample got = Sampler.sample(logits.clone(), 0, v, narrow, new Sampler.Scratch());
            float[] masked = logits.clone();
            LogitMask.apply(masked, 0, v, allowed);
            boolean onlyBlocked = true;
            for (int id = 0; id < v; id++) {
                onlyBlocked &= (allowed[id >>> 6] >>> id & 1) == 0 || id == 901 || id == 904;
            }
            if (onlyBlocked) {
                continue; // min_tokens is lifted only under a mask; the unmasked reference would block them
            }
            Sampler.Row free = new Sampler.Row(p, 77 + t, 2, blocked, history, 20, 30, null);
            Sampler.Sample want = Sampler.sample(masked, 0, v, free, new Sampler.Scratch());
            if (p.logprobs() != null) {
                // logprobs are of the raw row: compare the chosen token only (the reference saw masked logits)
                assertEquals(want.token(), got.token(), "draw " + t);
            } else {
                assertEquals(want, new Sampler.Sample(got.token(), want.logprob(), want.topIds(), want.topLogprobs()), "draw " + t);
                assertEquals(want.token(), got.token(), "draw " + t);
            }
            assertTrue((allowed[got.token() >>> 6] >>> got.token() & 1) != 0);
            compared++;
        }
        assertTrue(compared > 350, "compared " + compared);
    }

    @Test
    void minTokensCannotBlockTheOnlyAllowedEnd() {
        int v = 1024;
        long[] onlyEos = new long[16];
        onlyEos[901 >>> 6] |= 1L << 901;
        float[] l = new float[v];
        Arrays.fill(l, 1f);
        SamplingParams p = SamplingParams.builder().temperature(0).minTokens(5).build();
        Sampler.Row row = new Sampler.Row(p, 1, 0, new int[] {901, 904}, new int[0], 0, 0, onlyEos);
        assertEquals(901, Sampler.sample(l, 0, v, row, new Sampler.Scratch()).token());
    }

    private static boolean bit(long[] m, int id) {
        return (m[id >>> 6] >>> id & 1) != 0;
    }

    private static int idOf(byte[] b) {
        for (int id = 0; id < config.vocabSize; id++) {
            if (Arrays.equals(vocab.bytes(id), b)) {
                return id;
            }
        }
        throw new AssertionError("no token for " + Arrays.toString(b));
    }
}
