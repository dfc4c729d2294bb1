package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.model.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine on the tiny Ling 2.0 fixture model, CPU. */
class LingEngineTest {
    static final String NAME = "tiny-ling-v2";
    static LingEngine engine;
    static int[][] prompts;
    static int[][] greedy;

    @BeforeAll
    static void open() throws Exception {
        JsonNode ref = Fixtures.reference(NAME);
        prompts = Fixtures.ints2(ref.get("prompt_ids"));
        greedy = Fixtures.ints2(ref.get("greedy_fp32"));
        engine = LingEngine.open(EngineOptions.of(Fixtures.model(NAME)).withMaxBatchTokens(64));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static SamplingParams greedyParams(int maxTokens) {
        return SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(maxTokens).build();
    }

    static List<GenerationResult> submitAll(Engine e, List<GenerationRequest> rs) {
        List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
        for (GenerationRequest r : rs) {
            fs.add(e.submit(r));
        }
        return fs.stream().map(CompletableFuture::join).toList();
    }

    static void assertGreedy(Engine e) {
        List<GenerationRequest> rs = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            rs.add(GenerationRequest.ofIds("p" + i, prompts[i], greedyParams(24)));
        }
        List<GenerationResult> out = submitAll(e, rs);
        for (int i = 0; i < prompts.length; i++) {
            GenerationResult r = out.get(i);
            assertTrue(r.ok(), r.errorMessage());
            assertEquals("p" + i, r.requestId());
            assertEquals(prompts[i].length, r.promptTokens());
            CompletionChoice c = r.choices().get(0);
            assertArrayEquals(greedy[i], c.tokenIds(), "prompt " + i);
            assertEquals("length", c.finishReason());
            assertEquals(24, c.completionTokens());
        }
    }

    @Test
    void temperatureZeroReproducesFixtureGreedyForConcurrentPrompts() {
        assertGreedy(engine);
        assertTrue(engine.stats().steps() > 0);
        assertTrue(engine.stats().generatedTokens() >= 96);
    }

    static GenerationRequest seeded(String id, long seed) {
        SamplingParams p = SamplingParams.builder().temperature(0.9).topP(0.95).seed(seed).maxTokens(20).ignoreEos(true).build();
        return GenerationRequest.ofIds(id, prompts[0], p);
    }

    @Test
    void fixedSeedReproducesAloneAndInsideABatch() {
        GenerationResult alone = engine.submit(seeded("a", 1234)).join();
        GenerationResult again = engine.submit(seeded("b", 1234)).join();
        List<GenerationRequest> batch = new ArrayList<>();
        batch.add(seeded("x", 99));
        batch.add(GenerationRequest.ofIds("y", prompts[3], greedyParams(30)));
        batch.add(seeded("c", 1234));
        batch.add(seeded("z", 7));
        List<GenerationResult> out = submitAll(engine, batch);
        int[] ids = alone.choices().get(0).tokenIds();
        assertArrayEquals(ids, again.choices().get(0).tokenIds());
        assertArrayEquals(ids, out.get(2).choices().get(0).tokenIds());
        assertEquals(alone.choices().get(0).text(), out.get(2).choices().get(0).text());
        assertNotEquals(java.util.Arrays.toString(ids), java.util.Arrays.toString(out.get(0).choices().get(0).tokenIds()),
            "another seed gives another sample");
    }

    @Test
    void nGivesIndependentChoices() {
        SamplingParams p = SamplingParams.builder().temperature(1.0).seed(5L).n(3).maxTokens(12).ignoreEos(true).build();
        GenerationResult r = engine.submit(GenerationRequest.ofIds("n", prompts[1], p)).join();
        assertTrue(r.ok(), r.errorMessage());
        assertEquals(3, r.choices().size());
        assertEquals(36, r.completionTokens());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, r.choices().get(i).index());
        }
        assertNotEquals(java.util.Arrays.toString(r.choices().get(0).tokenIds()), java.util.Arrays.toString(r.choices().get(1).tokenIds()));
    }

    @Test
    void stopStringAcrossTokensStopsAndIsCut() {
        int[] g = greedy[0];
        var tok = engine.tokenizer();
        // A stop string made of the last character of one token and the first of the next.
        String stop = null;
        for (int i = 2; i + 1 < g.length && stop == null; i++) {
            String a = tok.decode(new int[] {g[i]}, false);
            String b = tok.decode(new int[] {g[i + 1]}, false);
            if (!a.isEmpty() && !b.isEmpty() && Character.isLetterOrDigit(a.charAt(a.length() - 1))) {
                stop = a.substring(a.length() - 1) + b.charAt(0);
            }
        }
        assertTrue(stop != null, "the greedy output has a usable token boundary");
        String full = tok.decode(g, false);
        int cut = full.indexOf(stop);
        SamplingParams p = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(24).stop(List.of(stop)).build();
        List<String> deltas = new ArrayList<>();
        GenerationResult r = engine.submit(GenerationRequest.ofIds("s", prompts[0], p), (c, d) -> deltas.add(d)).join();
        CompletionChoice c = r.choices().get(0);
        assertEquals("stop", c.finishReason());
        assertEquals(full.substring(0, cut), c.text());
        assertEquals(c.text(), String.join("", deltas), "streamed text equals the final text");
        assertTrue(c.completionTokens() < 24);
    }

    @Test
    void chatRequestRendersThroughTheTemplate() {
        List<Map<String, Object>> msgs = List.of(Map.of("role", "user", "content", "Give me a short introduction to large language models."));
        GenerationRequest r = GenerationRequest.ofMessages("chat", msgs, null, greedyParams(6));
        // The fixture's second prompt is this conversation without the system turn; the template adds
        // "<role>SYSTEM</role>detailed thinking off<|role_end|>" in front.
        String rendered = engine.chatTemplate().render(msgs, null, true, Map.of());
        assertTrue(rendered.endsWith("<role>HUMAN</role>Give me a short introduction to large language models.<|role_end|><role>ASSISTANT</role>"), rendered);
        int[] ids = engine.tokenizer().encode(rendered);
        assertEquals(ids.length, engine.countPromptTokens(r));
        GenerationResult res = engine.submit(r).join();
        assertTrue(res.ok(), res.errorMessage());
        assertEquals(ids.length, res.promptTokens());
        GenerationResult byIds = engine.submit(GenerationRequest.ofIds("ids", ids, greedyParams(6))).join();
        assertArrayEquals(byIds.choices().get(0).tokenIds(), res.choices().get(0).tokenIds());
        var tools = List.<Map<String, Object>>of(Map.of("type", "function", "function", Map.of("name", "f")));
        GenerationResult withTools = engine.submit(GenerationRequest.ofMessages("t", msgs, tools, greedyParams(2))).join();
        assertTrue(withTools.promptTokens() > res.promptTokens(), "the tools section is rendered");
        // A template that raises gives TEMPLATE_ERROR: a message without content makes "+" fail in this template.
        GenerationResult bad = engine.submit(GenerationRequest.ofMessages("b",
            List.of(Map.of("role", "user")), null, greedyParams(2))).join();
        assertEquals(ErrorCode.TEMPLATE_ERROR, bad.errorCode(), bad.errorMessage());
        // A list that is not OpenAI content parts is the messages' fault, named
        GenerationResult notParts = engine.submit(GenerationRequest.ofMessages("p",
            List.of(Map.of("role", "user", "content", List.of("x"))), null, greedyParams(2))).join();
        assertEquals(ErrorCode.BAD_MESSAGES, notParts.errorCode(), notParts.errorMessage());
        assertTrue(notParts.errorMessage().contains("message 0 content part 0"), notParts.errorMessage());
    }

    static ErrorCode error(GenerationRequest r) {
        GenerationResult res = engine.submit(r).join();
        assertTrue(res.choices().isEmpty());
        return res.errorCode();
    }

    static GenerationRequest ids(SamplingParams.Builder b) {
        return GenerationRequest.ofIds("e", prompts[0], b.build());
    }

    @Test
    void invalidRequestsGetTypedErrors() {
        SamplingParams.Builder b = SamplingParams.builder();
        assertEquals(ErrorCode.INVALID_PARAMS, error(ids(SamplingParams.builder().temperature(-0.5))));
        assertEquals(ErrorCode.INVALID_PARAMS, error(ids(SamplingParams.builder().topP(0))));
        assertEquals(ErrorCode.INVALID_PARAMS, error(ids(SamplingParams.builder().topP(1.5))));
        assertEquals(ErrorCode.INVALID_PARAMS, error(ids(SamplingParams.builder().n(0))));
        assertEquals(ErrorCode.INVALID_PARAMS, error(ids(SamplingParams.builder().maxTokens(-1))));
        assertEquals(ErrorCode.PROMPT_TOO_LONG, error(GenerationRequest.ofIds("e", new int[engine.config().maxPositionEmbeddings], b.build())));
        assertEquals(ErrorCode.EMPTY_PROMPT, error(GenerationRequest.ofPrompt("e", "", b.build())));
        assertEquals(ErrorCode.EMPTY_PROMPT, error(GenerationRequest.ofIds("e", new int[0], b.build())));
        assertEquals(ErrorCode.EMPTY_PROMPT, error(new GenerationRequest("e", "x", new int[] {1}, null, null, null, null, null)));
        assertEquals(ErrorCode.INVALID_TOKEN, error(GenerationRequest.ofIds("e", new int[] {1, 1 << 20}, b.build())));
        assertEquals(ErrorCode.BAD_MESSAGES, error(GenerationRequest.ofMessages("e", List.of(Map.of("content", "hi")), null, b.build())));
        List<Map<String, Object>> notMaps = new ArrayList<>();
        ((List) notMaps).add("hello");
        assertEquals(ErrorCode.BAD_MESSAGES, error(GenerationRequest.ofMessages("e", notMaps, null, b.build())));
        assertEquals(ErrorCode.UNKNOWN_ROLE, error(GenerationRequest.ofMessages("e", List.of(Map.of("role", "wizard", "content", "hi")), null, b.build())));
        assertEquals(ErrorCode.EMPTY_PROMPT, error(GenerationRequest.ofMessages("e", List.of(), null, b.build())));
        assertEquals(ErrorCode.BAD_MESSAGES, error(GenerationRequest.ofMessages("e", List.of(Map.of("role", "user",
            "content", List.of(Map.of("type", "image_url", "image_url", Map.of("url", "x"))))), null, b.build())));
    }

    @Test
    void textContentPartsAreTheJoinedString() {
        List<Map<String, Object>> parts = List.of(Map.of("role", "user", "content",
            List.of(Map.of("type", "text", "text", "Hello"), Map.of("type", "text", "text", "world"))));
        List<Map<String, Object>> text = List.of(Map.of("role", "user", "content", "Hello\nworld"));
        SamplingParams p = greedyParams(2);
        assertEquals(engine.countPromptTokens(GenerationRequest.ofMessages("a", text, null, p)),
            engine.countPromptTokens(GenerationRequest.ofMessages("b", parts, null, p)));
        assertArrayEquals(engine.submit(GenerationRequest.ofMessages("a", text, null, p)).join().choices().get(0).tokenIds(),
            engine.submit(GenerationRequest.ofMessages("b", parts, null, p)).join().choices().get(0).tokenIds());
    }

    @Test
    void maxTokensIsClippedToTheContext() {
        int ctx = engine.config().maxPositionEmbeddings;
        int[] longPrompt = new int[ctx - 3];
        java.util.Arrays.fill(longPrompt, 51);
        GenerationResult r = engine.submit(GenerationRequest.ofIds("l", longPrompt, greedyParams(100))).join();
        assertTrue(r.ok(), r.errorMessage());
        assertEquals(3, r.choices().get(0).completionTokens());
        assertEquals("length", r.choices().get(0).finishReason());
    }

    @Test
    void textPromptAndLogprobs() {
        SamplingParams p = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(4).logprobs(3).build();
        GenerationResult r = engine.submit(GenerationRequest.ofPrompt("t", "The capital of France is", p)).join();
        assertTrue(r.ok(), r.errorMessage());
        assertEquals(prompts[0].length, r.promptTokens());
        CompletionChoice c = r.choices().get(0);
        assertArrayEquals(java.util.Arrays.copyOf(greedy[0], 4), c.tokenIds());
        assertEquals(4, c.logprobs().size());
        TokenLogprob first = c.logprobs().get(0);
        assertEquals(greedy[0][0], first.tokenId());
        assertEquals(3, first.top().size());
        assertEquals(greedy[0][0], first.top().get(0).tokenId(), "greedy picks the most likely raw token");
        assertEquals(first.logprob(), first.top().get(0).logprob(), 1e-9);
        assertTrue(first.logprob() <= 0);
        assertNull(c.reasoningContent());
        assertEquals(prompts[0].length, engine.countPromptTokens(GenerationRequest.ofPrompt("t", "The capital of France is", p)));
    }

    @Test
    void tinyKvBudgetPreemptsAndStillMatchesGreedy() {
        Path dir = Fixtures.model(NAME);
        // A token costs 1 KiB of fp32 K/V (4 layers · 2 · 2 heads · 16 · 4 B); 200 KiB is 12 blocks of 16 tokens:
        // the longest request (160 + 24 tokens) fits alone; three copies of it, or the four together, do not.
        try (LingEngine small = LingEngine.open(EngineOptions.of(dir).withMaxBatchTokens(32).withKvCacheMemory(200 * 1024))) {
            assertEquals(12, small.memoryPlan().kvBlocks());
            // One request's choices reach the scheduler in one submission, so the shortage below does not
            // depend on how a test thread's submissions interleave with the scheduler's steps (four requests
            // submitted one by one may never run together): three copies of the 160-token prompt share its
            // 10 full blocks (prefix cache) and outgrow the pool with their own as they decode.
            SamplingParams three = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(24).n(3).build();
            GenerationResult r = small.submit(GenerationRequest.ofIds("three", prompts[3], three)).join();
            assertTrue(r.ok(), r.errorMessage());
            for (CompletionChoice c : r.choices()) {
                assertArrayEquals(greedy[3], c.tokenIds(), "choice " + c.index());
            }
            assertTrue(small.preemptions() > 0, "the budget forced preemption");
            assertGreedy(small);
            assertEquals(0, small.stats().running());
            assertEquals(0, small.stats().cacheBlocksUsed(), "every block is back");
        }
    }

    @Test
    void aCacheSmallerThanTheContextClipsItAndSaysSo() {
        try (LingEngine small = LingEngine.open(EngineOptions.of(Fixtures.model(NAME)).withKvCacheMemory(64 * 1024))) {
            assertEquals(64, small.contextLength(), "4 blocks of 16 tokens");
            GenerationResult r = small.submit(GenerationRequest.ofIds("long", prompts[2], greedyParams(4))).join();
            assertEquals(ErrorCode.PROMPT_TOO_LONG, r.errorCode());
            GenerationResult ok = small.submit(GenerationRequest.ofIds("short", prompts[0], greedyParams(100))).join();
            assertTrue(ok.ok(), ok.errorMessage());
            assertEquals(64 - prompts[0].length, ok.completionTokens(), "max_tokens clipped to the room left");
        }
    }

    @Test
    void closeCancelsPendingRequests() {
        LingEngine e = LingEngine.open(EngineOptions.of(Fixtures.model(NAME)));
        List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            fs.add(e.submit(GenerationRequest.ofIds("c" + i, prompts[3], greedyParams(500))));
        }
        e.close();
        for (CompletableFuture<GenerationResult> f : fs) {
            GenerationResult r = f.join();
            assertTrue(r.ok() || r.errorCode() == ErrorCode.CANCELLED, String.valueOf(r.errorCode()));
        }
        assertEquals(ErrorCode.CANCELLED, e.submit(GenerationRequest.ofIds("late", prompts[0], greedyParams(2))).join().errorCode());
    }

    /** Waits (bounded) until the engine runs and holds nothing. */
    static void awaitIdle(Engine e) throws InterruptedException {
        for (int i = 0; i < 200 && (e.stats().running() > 0 || e.stats().waiting() > 0 || e.stats().cacheBlocksUsed() > 0); i++) {
            Thread.sleep(25);
        }
    }

    @Test
    void abortStopsARequestWithinOneStepAndFreesItsBlocks() throws Exception {
        try (LingEngine e = LingEngine.open(EngineOptions.of(Fixtures.model(NAME)))) {
            GenerationRequest r = GenerationRequest.ofIds("long", prompts[3], greedyParams(800));
            java.util.concurrent.CountDownLatch streaming = new java.util.concurrent.CountDownLatch(5);
            CompletableFuture<GenerationResult> f = e.submit(r, (c, d) -> streaming.countDown());
            assertTrue(streaming.await(30, java.util.concurrent.TimeUnit.SECONDS), "the request is decoding");
            assertTrue(e.stats().cacheBlocksUsed() >= 11, "160+ tokens hold 11+ blocks: " + e.stats().cacheBlocksUsed());
            assertTrue(e.abort(r));
            // counted when abort returns: the decode loop runs on (sub-millisecond steps on this model) until then
            long steps = e.stats().steps();
            GenerationResult res = f.join();
            assertEquals(ErrorCode.CANCELLED, res.errorCode());
            awaitIdle(e);
            assertEquals(0, e.stats().running());
            assertEquals(0, e.stats().cacheBlocksUsed(), "its blocks are free");
            assertTrue(e.stats().steps() <= steps + 1, "at most the step in flight ran after the abort: "
                + (e.stats().steps() - steps));
            assertEquals(1, e.stats().abortedRequests());
            assertFalse(e.abort(r), "not in flight any more");
            // A cancelled future is an abort too, and the engine goes on serving.
            CompletableFuture<GenerationResult> g = e.submit(GenerationRequest.ofIds("c", prompts[3], greedyParams(800)));
            Thread.sleep(200);
            g.cancel(true);
            awaitIdle(e);
            assertEquals(0, e.stats().cacheBlocksUsed());
            assertGreedy(e);
        }
    }

    @Test
    void modelNameAndRevision() {
        assertTrue(engine.modelName().length() > 0);
        assertTrue(engine.modelRevision().matches("[0-9a-f]{12}"), engine.modelRevision());
        assertEquals(engine.modelRevision(), LingEngine.revisionOf(Fixtures.model(NAME)));
    }
}
