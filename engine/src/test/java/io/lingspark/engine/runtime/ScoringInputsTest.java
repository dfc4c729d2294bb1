package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How scoring requests become tokens, as lm-evaluation-harness does it (TemplateLM.loglikelihood,
 * _encode_pair, get_rolling_token_windows + make_disjoint_window), and their typed errors. Values are
 * checked against the model's own logits for the same ids (ModelSession, which the fixture tests hold
 * to the upstream logits).
 */
class ScoringInputsTest {
    static final String NAME = "tiny-ling-v2";
    static final int BOS = 900; // tokenizer_config.json's bos_token <|startoftext|>
    static LingEngine engine;
    static ModelSession session;
    static Tokenizer tok;

    @BeforeAll
    static void open() {
        engine = LingEngine.open(EngineOptions.of(Fixtures.model(NAME)).withMaxBatchTokens(64));
        session = ModelSession.open(ModelFactory.open(Fixtures.model(NAME), new CpuBackend(1)));
        tok = engine.tokenizer();
    }

    @AfterAll
    static void close() {
        engine.close();
        session.close();
    }

    /** log P(cont | ctx) from the model's logits for ctx + cont (all positions, one forward). */
    static double logprob(int[] ctx, int[] cont) {
        int[] in = Arrays.copyOf(ctx, ctx.length + cont.length - 1);
        System.arraycopy(cont, 0, in, ctx.length, cont.length - 1);
        float[] l = session.forward(List.of(new ModelSession.SeqInput(session.newSequence(), in, true))).logits()[0];
        int v = l.length / in.length;
        double sum = 0;
        for (int j = 0; j < cont.length; j++) {
            sum += ScoringTest.Ref.logprob(l, (ctx.length - 1 + j) * v, v, cont[j]);
        }
        return sum;
    }

    static ScoringResult score(ScoringRequest r) {
        ScoringResult res = engine.score(r).join();
        assertTrue(res.ok(), res.errorMessage());
        return res;
    }

    static int[] tail(int[] whole, int from) {
        return Arrays.copyOfRange(whole, from, whole.length);
    }

    @Test
    void trailingWhitespaceOfTheContextMovesToTheContinuation() {
        ScoringResult a = score(ScoringRequest.ofText("a", "The capital of France is ", List.of("Paris", "London town")));
        ScoringResult b = score(ScoringRequest.ofText("b", "The capital of France is", List.of(" Paris", " London town")));
        int[] ctx = tok.encode("The capital of France is");
        assertEquals(ctx.length, a.contextTokens());
        assertEquals(ctx.length, b.contextTokens());
        for (int i = 0; i < 2; i++) {
            String cont = i == 0 ? " Paris" : " London town";
            int[] want = tail(tok.encode("The capital of France is" + cont), ctx.length);
            assertArrayEquals(want, a.continuations().get(i).tokenIds(), cont);
            assertArrayEquals(want, b.continuations().get(i).tokenIds(), cont);
            assertEquals(logprob(ctx, want), a.continuations().get(i).logprob(), 1e-4, cont);
            assertEquals(a.continuations().get(i).logprob(), b.continuations().get(i).logprob(), 0, cont);
        }
        // Python's str.rstrip() takes no-break spaces too; the moved run keeps its characters
        ScoringResult c = score(ScoringRequest.ofText("c", "The capital of France is\u00a0 ", List.of("Paris")));
        assertArrayEquals(tail(tok.encode("The capital of France is\u00a0 Paris"), ctx.length), c.continuations().get(0).tokenIds());
        assertTrue(ScoringInputs.isPythonSpace('\u00a0') && ScoringInputs.isPythonSpace('\u0085')
            && ScoringInputs.isPythonSpace('\u3000') && !ScoringInputs.isPythonSpace('\u200b'));
    }

    @Test
    void theContinuationIsWhatTheWholeHasBeyondTheContextsTokenCount() {
        // Merges across the boundary: lm-eval keeps the context's own tokens and cuts the whole at their count.
        String ctx = "The capital of Fra";
        String cont = "nce is Paris";
        int[] c = tok.encode(ctx);
        int[] whole = tok.encode(ctx + cont);
        ScoringResult r = score(ScoringRequest.ofText("m", ctx, List.of(cont)));
        assertEquals(c.length, r.contextTokens());
        assertArrayEquals(tail(whole, c.length), r.continuations().get(0).tokenIds());
        assertEquals(logprob(c, tail(whole, c.length)), r.continuations().get(0).logprob(), 1e-4);
    }

    @Test
    void anEmptyContextIsThePrefixToken() {
        int[] hello = tok.encode("Hello world");
        ScoringResult r = score(ScoringRequest.ofText("e", "", List.of("Hello world", "<|startoftext|>Hello world")));
        assertEquals(1, r.contextTokens());
        assertArrayEquals(hello, r.continuations().get(0).tokenIds());
        assertArrayEquals(hello, r.continuations().get(1).tokenIds(), "a continuation that starts with the prefix token loses it");
        double want = logprob(new int[] {BOS}, hello);
        assertEquals(want, r.continuations().get(0).logprob(), 1e-4);
        assertEquals(want, r.continuations().get(1).logprob(), 1e-4);
        ScoringResult ids = score(ScoringRequest.ofIds("i", new int[0], List.of(hello)));
        assertEquals(want, ids.continuations().get(0).logprob(), 1e-4);
        ScoringResult other = score(new ScoringRequest("o", "", null, null, null, null, List.of("Hello world"), null, false, 901));
        assertEquals(logprob(new int[] {901}, hello), other.continuations().get(0).logprob(), 1e-4, "a given prefix token");
    }

    @Test
    void messagesAreRenderedWithTheGenerationPromptAndTheLabelScoredAsTheAnswer() {
        List<Map<String, Object>> messages = List.of(Map.of("role", "user", "content", "Is this review positive? Great!"));
        ScoringResult chat = score(ScoringRequest.ofMessages("chat", messages, List.of("yes", "no")));
        String rendered = engine.chatTemplate().render(messages, null, true, Map.of());
        assertTrue(rendered.endsWith("<role>ASSISTANT</role>"), rendered);
        ScoringResult text = score(ScoringRequest.ofText("text", rendered, List.of("yes", "no")));
        assertEquals(text.contextTokens(), chat.contextTokens());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(text.continuations().get(i).tokenIds(), chat.continuations().get(i).tokenIds());
            assertEquals(text.continuations().get(i).logprob(), chat.continuations().get(i).logprob(), 0);
        }
    }

    @Test
    void greedyIsTrueExactlyWhenEveryTokenIsItsRowsArgmax() throws Exception {
        var ref = Fixtures.reference(NAME);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        int[][] greedy = Fixtures.ints2(ref.get("greedy_fp32"));
        for (int p = 0; p < prompts.length; p++) {
            int[] g = Arrays.copyOf(greedy[p], 6);
            int[] notLast = g.clone();
            notLast[5] = (g[5] + 1) % 900;
            ScoringResult r = score(ScoringRequest.ofIds("g" + p, prompts[p], List.of(g, notLast, Arrays.copyOf(g, 1))));
            assertTrue(r.continuations().get(0).greedy(), "the fixture's greedy tokens");
            assertFalse(r.continuations().get(1).greedy(), "its last token is not the argmax");
            assertTrue(r.continuations().get(2).greedy());
            assertTrue(r.continuations().get(0).logprob() > r.continuations().get(1).logprob());
        }
    }

    @Test
    void rollingWindowsAreLmEvalsWithContextLengthOne() {
        int[] t = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        List<ScoringInputs.Pair> w = ScoringInputs.rollingWindows(t, 99, 3);
        int[][][] want = {{{99}, {0, 1, 2}}, {{2}, {3, 4, 5}}, {{5}, {6, 7, 8}}, {{6, 7, 8}, {9}}};
        assertEquals(want.length, w.size());
        for (int i = 0; i < want.length; i++) {
            assertArrayEquals(want[i][0], w.get(i).context(), "window " + i + " context");
            assertArrayEquals(want[i][1], w.get(i).continuations()[0], "window " + i + " predictions");
        }
        List<ScoringInputs.Pair> one = ScoringInputs.rollingWindows(new int[] {4, 5}, 99, 3);
        assertEquals(1, one.size());
        assertArrayEquals(new int[] {99}, one.get(0).context());
        assertArrayEquals(new int[] {4, 5}, one.get(0).continuations()[0]);
    }

    @Test
    void badRequestsAreTypedErrors() {
        int[] ctx = tok.encode("The capital of France is");
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {null, ErrorCode.EMPTY_PROMPT});
        cases.add(new Object[] {ScoringRequest.ofText("x", "a", List.of()), ErrorCode.INVALID_PARAMS});
        cases.add(new Object[] {ScoringRequest.ofText("x", "a", List.of("")), ErrorCode.EMPTY_PROMPT});
        cases.add(new Object[] {ScoringRequest.ofText("x", "   ", List.of("b")), ErrorCode.EMPTY_PROMPT});
        cases.add(new Object[] {ScoringRequest.ofIds("x", ctx, List.of(new int[] {5000})), ErrorCode.INVALID_TOKEN});
        cases.add(new Object[] {ScoringRequest.ofIds("x", new int[] {-1}, List.of(new int[] {5})), ErrorCode.INVALID_TOKEN});
        cases.add(new Object[] {ScoringRequest.ofIds("x", ctx, List.of(new int[0])), ErrorCode.EMPTY_PROMPT});
        cases.add(new Object[] {new ScoringRequest("x", null, ctx, null, null, null, List.of("b"), null, false, null),
            ErrorCode.INVALID_PARAMS});
        cases.add(new Object[] {new ScoringRequest("x", "a", ctx, null, null, null, List.of("b"), null, false, null),
            ErrorCode.EMPTY_PROMPT});
        cases.add(new Object[] {new ScoringRequest("x", "a", null, null, null, null, List.of("b"), List.of(ctx), false, null),
            ErrorCode.INVALID_PARAMS});
        cases.add(new Object[] {ScoringRequest.ofMessages("x", List.of(Map.of("role", "robot", "content", "hi")), List.of("b")),
            ErrorCode.UNKNOWN_ROLE});
        cases.add(new Object[] {new ScoringRequest("x", "", null, null, null, null, List.of("b"), null, false, 5000),
            ErrorCode.INVALID_TOKEN});
        for (Object[] c : cases) {
            ScoringResult r = engine.score((ScoringRequest) c[0]).join();
            assertEquals(c[1], r.errorCode(), String.valueOf(r.errorMessage()));
            assertTrue(r.continuations().isEmpty());
        }
        assertEquals(ErrorCode.EMPTY_PROMPT, engine.scoreRolling(RollingRequest.ofText("x", "")).join().errorCode());
        assertEquals(ErrorCode.EMPTY_PROMPT, engine.scoreRolling(null).join().errorCode());
        assertEquals(ErrorCode.INVALID_TOKEN, engine.scoreRolling(RollingRequest.ofIds("x", new int[] {1, 4096})).join().errorCode());
        try (LingEngine small = LingEngine.open(EngineOptions.of(Fixtures.model(NAME)).withMaxModelLen(32))) {
            int[] thirty = new int[30];
            Arrays.fill(thirty, 7);
            ScoringResult fits = small.score(ScoringRequest.ofIds("fits", thirty, List.of(new int[] {1, 2, 3}))).join();
            assertTrue(fits.ok(), fits.errorMessage()); // 32 tokens read: the last is only predicted
            ScoringResult tooLong = small.score(ScoringRequest.ofIds("long", thirty, List.of(new int[] {1, 2, 3, 4}))).join();
            assertEquals(ErrorCode.PROMPT_TOO_LONG, tooLong.errorCode());
            assertTrue(tooLong.errorMessage().contains("33"), tooLong.errorMessage());
        }
    }

    @Test
    void aCancelledScoringRequestLeavesTheBatchAndFreesItsCache() throws Exception {
        int[] ctx = new int[150];
        Arrays.fill(ctx, 11);
        List<int[]> conts = List.of(new int[] {1, 2, 3, 4}, new int[] {5, 6, 7, 8, 9});
        List<CompletableFuture<ScoringResult>> fs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fs.add(engine.score(ScoringRequest.ofIds("c" + i, ctx, conts)));
        }
        fs.get(1).cancel(true);
        fs.get(3).cancel(true);
        assertTrue(fs.get(0).join().ok());
        assertTrue(fs.get(2).join().ok());
        for (int i = 0; i < 100 && engine.stats().running() + engine.stats().waiting() > 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, engine.stats().running());
        assertEquals(0, engine.stats().cacheBlocksUsed());
    }
}
