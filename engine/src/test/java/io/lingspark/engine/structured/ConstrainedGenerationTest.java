package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.runtime.CompletionChoice;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.SamplingParams;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Constrained decoding through the whole engine on the random-weight fixtures, which emit garbage when
 * free: every answer that finishes satisfies its constraint, every cut answer is flagged, and a
 * constraint that allows the greedy token at every step changes nothing.
 */
class ConstrainedGenerationTest {
    static LingEngine v2;
    static LingEngine v25;

    @BeforeAll
    static void open() {
        v2 = LingEngine.open(EngineOptions.of(Fixtures.model("tiny-ling-v2")).withMaxBatchTokens(256));
        v25 = LingEngine.open(EngineOptions.of(Fixtures.model("tiny-ling-v25")).withMaxBatchTokens(256));
    }

    @AfterAll
    static void close() {
        v2.close();
        v25.close();
    }

    static SamplingParams sampled(StructuredOutput so, int maxTokens, long seed) {
        return SamplingParams.builder().temperature(1).seed(seed).maxTokens(maxTokens).structuredOutput(so).build();
    }

    static List<GenerationResult> run(LingEngine e, List<GenerationRequest> rs) {
        List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
        for (GenerationRequest r : rs) {
            fs.add(e.submit(r));
        }
        return fs.stream().map(CompletableFuture::join).toList();
    }

    @Test
    void everyFinishedAnswerSatisfiesItsConstraint() {
        List<String> labels = List.of("positive", "negative", "neutral", "très bien", "日本語");
        Pattern email = Pattern.compile("[a-z]{2,6}@[a-z]{2,4}\\.com");
        for (LingEngine e : List.of(v2, v25)) {
            List<GenerationRequest> rs = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                StructuredOutput so = i % 2 == 0 ? StructuredOutput.choice(labels) : StructuredOutput.regex(email.pattern());
                rs.add(GenerationRequest.ofPrompt("r" + i, "Row " + i + ": label this text.", sampled(so, i % 4 == 3 ? 3 : 24, i)));
            }
            int stops = 0;
            int cut = 0;
            for (GenerationResult r : run(e, rs)) {
                assertTrue(r.ok(), r.errorMessage());
                CompletionChoice c = r.choices().get(0);
                boolean choice = r.requestId().matches("r\\d*[02468]");
                if ("stop".equals(c.finishReason())) {
                    stops++;
                    assertEquals(c.text(), c.parsed());
                    assertNull(c.outputError());
                    assertTrue(choice ? labels.contains(c.text()) : email.matcher(c.text()).matches(), c.text());
                } else {
                    cut++;
                    assertEquals("length", c.finishReason());
                    assertNull(c.parsed());
                    assertEquals(ErrorCode.INCOMPLETE_OUTPUT, c.outputError());
                }
            }
            assertTrue(stops >= 12 && cut >= 1, "stops " + stops + ", cut " + cut);
        }
    }

    @Test
    void nChoicesEachFollowTheConstraint() {
        GenerationResult r = v2.submit(GenerationRequest.ofPrompt("n", "Pick.",
            sampled(StructuredOutput.choice(List.of("a1", "b22", "c333")), 8, 5).toBuilder().n(6).build())).join();
        assertEquals(6, r.choices().size());
        for (CompletionChoice c : r.choices()) {
            assertTrue(List.of("a1", "b22", "c333").contains(c.parsed()), c.text());
        }
    }

    @Test
    void aBadConstraintIsATypedRequestError() {
        GenerationResult r = v2.submit(GenerationRequest.ofPrompt("bad", "x",
            sampled(StructuredOutput.choice(List.of()), 8, 1))).join();
        assertEquals(ErrorCode.INVALID_PARAMS, r.errorCode());
        GenerationResult r2 = v2.submit(GenerationRequest.ofPrompt("bad2", "x",
            sampled(StructuredOutput.regex("(unclosed"), 8, 1))).join();
        assertEquals(ErrorCode.INVALID_PARAMS, r2.errorCode(), r2.errorMessage());
    }

    /**
     * Acceptance 3: a constraint allowing the greedy token at every step leaves greedy decoding unchanged.
     * Random weights often pick added tokens or bytes that never complete a character, which no text
     * constraint allows, so the comparison runs over the longest prefix of the free answer that is whole
     * UTF-8 text: the choice {prefix} must reproduce it token for token, then end.
     */
    @Test
    void aConstraintThatAllowsTheGreedyPathChangesNothing() {
        int compared = 0;
        for (LingEngine e : List.of(v2, v25)) {
            for (int p = 0; p < 8; p++) {
                SamplingParams greedy = SamplingParams.builder().temperature(0).maxTokens(24).build();
                String prompt = "Prompt number " + p + " about tokens and experts.";
                CompletionChoice free = e.submit(GenerationRequest.ofPrompt("f", prompt, greedy)).join().choices().get(0);
                int k = free.tokenIds().length;
                while (k > 0 && utf8(java.util.Arrays.copyOf(free.tokenIds(), k), e) == null) {
                    k--;
                }
                if (k < 2) {
                    continue;
                }
                int[] prefix = java.util.Arrays.copyOf(free.tokenIds(), k);
                String text = utf8(prefix, e);
                CompletionChoice c = e.submit(GenerationRequest.ofPrompt("c", prompt, greedy.toBuilder().maxTokens(k + 4)
                    .structuredOutput(StructuredOutput.choice(List.of(text))).build())).join().choices().get(0);
                assertArrayEquals(prefix, c.tokenIds(), "choice on prompt " + p);
                assertEquals(text, c.parsed());
                CompletionChoice any = e.submit(GenerationRequest.ofPrompt("a", prompt, greedy.toBuilder().maxTokens(k)
                    .structuredOutput(StructuredOutput.regex("(.|\n)*")).build())).join().choices().get(0);
                assertArrayEquals(prefix, any.tokenIds(), "regex on prompt " + p);
                compared++;
            }
        }
        assertTrue(compared >= 4, "compared " + compared);
    }

    /** The text the ids decode to, or null when they are not complete UTF-8 characters or hold an added token. */
    private static String utf8(int[] ids, LingEngine e) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            byte[] b = e.tokenizer().vocabularyBytes(id);
            if (b == null) {
                return null;
            }
            out.writeBytes(b);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException ex) {
            return null;
        }
    }

    /** Through the engine: while the model reasons, sampling is free (the same tokens as no constraint). */
    @Test
    void whileReasoningTheEngineSamplesFreely() {
        SamplingParams p = SamplingParams.builder().temperature(1).seed(21L).maxTokens(12).build();
        SamplingParams constrained = p.toBuilder().structuredOutput(StructuredOutput.choice(List.of("yes", "no"))).build();
        GenerationRequest free = new GenerationRequest("f", "Think first.", null, null, null, null, p, true);
        GenerationRequest thinking = new GenerationRequest("t", "Think first.", null, null, null, null, constrained, true);
        CompletionChoice a = v2.submit(free).join().choices().get(0);
        CompletionChoice b = v2.submit(thinking).join().choices().get(0);
        assertArrayEquals(a.tokenIds(), b.tokenIds(), "no </think> yet: the constraint waits");
        assertEquals("length", b.finishReason());
        assertNull(b.parsed());
        assertEquals(ErrorCode.INCOMPLETE_OUTPUT, b.outputError(), "no answer after the reasoning");
    }

    @Test
    void withReasoningTheConstraintStartsAfterThinkEnds() {
        TokenGrammar g = GrammarCache.compile(v2.grammars().vocabulary(), StructuredOutput.choice(List.of("yes", "no")));
        GrammarState s = new GrammarState(g, true);
        assertNull(s.mask(), "free while reasoning");
        s.accept(-1, "Let me think </thi");
        assertNull(s.mask());
        s.accept(-1, "nk>\n\ny");
        assertTrue(s.mask() != null && !s.accepted(), "active after </think>, 'y' fed");
        s.accept(idOf(g, "e"), "e");
        s.accept(idOf(g, "s"), "s");
        assertTrue(s.accepted());
        assertTrue(s.matches("yes") && !s.matches("ye") && !s.matches(" yes"));
    }

    private static int idOf(TokenGrammar g, String t) {
        for (int id = 0; id < 1024; id++) {
            byte[] b = g.vocabulary().bytes(id);
            if (b != null && new String(b, StandardCharsets.UTF_8).equals(t)) {
                return id;
            }
        }
        throw new AssertionError(t);
    }
}
