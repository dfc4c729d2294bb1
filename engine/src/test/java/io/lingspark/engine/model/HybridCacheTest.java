package io.lingspark.engine.model;

import io.lingspark.engine.runtime.ModelSession.SeqInput;
import io.lingspark.engine.runtime.ModelSession;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The hybrid cache on the 2.5 fixture's 160-token prompt: prefill in one chunk, in 64-token chunks
 * and token by token give the same logits at every position; the linear-attention state after a
 * one-step prefill equals the state after feeding the tokens one at a time; truncate semantics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HybridCacheTest {
    private CpuBackend backend;
    private LingModel model;
    private ModelSession session;
    private int[] prompt;

    @BeforeAll
    void setUp() throws Exception {
        backend = new CpuBackend(2);
        model = ModelFactory.open(Fixtures.model(HybridModelFixtureTest.FIXTURE), backend);
        session = ModelSession.open(model);
        prompt = Fixtures.ints2(Fixtures.reference(HybridModelFixtureTest.FIXTURE).get("prompt_ids"))[3];
    }

    @AfterAll
    void tearDown() {
        backend.close();
    }

    /** All-position logits of the prompt fed in pieces of the given size through one cache. */
    private float[] prefillInPieces(ModelSession.Seq cache, int piece) {
        List<float[]> parts = new ArrayList<>();
        for (int s = 0; s < prompt.length; s += piece) {
            int[] part = HybridModelFixtureTest.slice(prompt, s, s + piece);
            parts.add(session.forward(List.of(new SeqInput(cache, part, true))).logits()[0]);
        }
        return HybridModelFixtureTest.concat(parts);
    }

    @Test
    void oneChunkChunksOf64AndTokenByTokenAgree() {
        float[] whole = prefillInPieces(session.newSequence(), prompt.length);
        float[] by64 = prefillInPieces(session.newSequence(), 64);
        float[] by37 = prefillInPieces(session.newSequence(), 37);
        float[] byToken = prefillInPieces(session.newSequence(), 1);
        double d64 = HybridModelFixtureTest.maxAbsDiff(whole, by64);
        double d37 = HybridModelFixtureTest.maxAbsDiff(whole, by37);
        double d1 = HybridModelFixtureTest.maxAbsDiff(whole, byToken);
        System.out.printf("tiny-ling-v25 160 tokens, max |Δlogit| vs one chunk: 64-token chunks %.3g, 37-token %.3g, token by token %.3g%n",
                d64, d37, d1);
        assertTrue(d64 < 1e-4, "64-token chunks: " + d64);
        assertTrue(d37 < 1e-4, "37-token chunks: " + d37);
        assertTrue(d1 < 1e-4, "token by token: " + d1);
    }

    @Test
    void linearStateAfterPrefillEqualsTokenByTokenState() {
        ModelSession.Seq prefilled = session.newSequence();
        session.forward(List.of(new SeqInput(prefilled, prompt)));
        ModelSession.Seq stepped = session.newSequence();
        prefillInPieces(stepped, 1);
        assertEquals(prompt.length, prefilled.length());
        assertEquals(prompt.length, stepped.length());
        int linear = model.config().layerCount(LingConfig.LayerKind.LINEAR);
        assertEquals(2, linear);
        for (int slot = 0; slot < linear; slot++) {
            float[] a = session.linearState(prefilled, slot);
            float[] b = session.linearState(stepped, slot);
            assertEquals(model.config().numHeads * model.config().headDim * model.config().headDim, a.length);
            double maxState = 0;
            for (float x : a) {
                maxState = Math.max(maxState, Math.abs(x));
            }
            assertTrue(maxState > 1e-3, "state is not trivially zero");
            double diff = HybridModelFixtureTest.maxAbsDiff(a, b);
            assertTrue(diff < 1e-5 * Math.max(1, maxState), "linear slot " + slot + ": max |ΔS| " + diff + " (max |S| " + maxState + ")");
        }
    }

    @Test
    void cacheCountsBothKindsOfStateAndTruncatesOnlyToZero() {
        LingConfig c = model.config();
        ModelSession.Seq cache = session.newSequence();
        long stateBytes = 4L * c.layerCount(LingConfig.LayerKind.LINEAR) * c.numHeads * c.headDim * c.headDim;
        long before = cache.bytes();
        assertTrue(before >= stateBytes, "recurrent state counted");
        float[] first = session.forward(List.of(new SeqInput(cache, prompt))).logits()[0];
        long latentPerToken = 4L * c.layerCount(LingConfig.LayerKind.MLA) * (c.kvLoraRank + c.qkRopeHeadDim);
        assertTrue(cache.bytes() >= stateBytes + latentPerToken * prompt.length, "latent rows counted");
        assertThrows(UnsupportedOperationException.class, () -> cache.truncate(10));
        cache.truncate(prompt.length); // no-op
        assertEquals(prompt.length, cache.length());
        cache.truncate(0);
        assertEquals(0, cache.length());
        assertArrayEquals(new float[c.numHeads * c.headDim * c.headDim], session.linearState(cache, 0));
        float[] again = session.forward(List.of(new SeqInput(cache, prompt))).logits()[0];
        assertArrayEquals(first, again, "re-prefill after truncate(0) is identical");
    }

    /** Continuous batching: one sequence prefilling while another decodes, in one step, as if run apart. */
    @Test
    void mixedPrefillAndDecodeStepMatchesSeparateSteps() {
        int[] head = HybridModelFixtureTest.slice(prompt, 0, 100);
        int[] other = HybridModelFixtureTest.slice(prompt, 100, 160);
        ModelSession.Seq a = session.newSequence();
        session.forward(List.of(new SeqInput(a, HybridModelFixtureTest.slice(head, 0, 99))));
        ModelSession.Seq b = session.newSequence();
        List<float[]> mixed = List.of(session.forward(List.of(new SeqInput(a, new int[] {head[99]}),
                new SeqInput(b, other, true))).logits());
        float[] aloneA = session.forward(List.of(new SeqInput(session.newSequence(), head))).logits()[0];
        float[] aloneB = session.forward(List.of(new SeqInput(session.newSequence(), other, true))).logits()[0];
        assertTrue(HybridModelFixtureTest.maxAbsDiff(aloneA, mixed.get(0)) < 1e-4);
        assertTrue(HybridModelFixtureTest.maxAbsDiff(aloneB, mixed.get(1)) < 1e-4);
    }
}
