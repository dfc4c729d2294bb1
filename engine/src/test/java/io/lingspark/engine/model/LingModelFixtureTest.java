package io.lingspark.engine.model;

import io.lingspark.engine.runtime.ModelSession.SeqInput;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.runtime.Greedy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.backend.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CPU engine against the upstream HF reference (fixtures README): prefill logits within 1e-3 at
 * every position, identical routing, and the 24 greedy fp32 tokens with the KV cache, one prompt at a
 * time and all four batched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LingModelFixtureTest {
    private CpuBackend backend;

    @BeforeAll
    void setUp() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    void tearDown() {
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v2-yarn", "tiny-ling-v2-fp8"})
    void prefillLogitsAndRoutingMatchReference(String fixture) throws Exception {
        LingModel model = ModelFactory.open(Fixtures.model(fixture), backend);
        ModelSession session = ModelSession.open(model);
        JsonNode ref = Fixtures.reference(fixture);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        int v = model.config().vocabSize;
        int k = model.config().numExpertsPerTok;
        double worst = 0;
        for (int p = 0; p < prompts.length; p++) {
            ModelSession.Seq cache = session.newSequence();
            ModelSession.StepOutput out = session.forward(List.of(new SeqInput(cache, prompts[p], true)), true);
            float[] want = Fixtures.logits(fixture, "logits_fp32." + p);
            float[] got = out.logits()[0];
            assertEquals(want.length, got.length, "logits size, prompt " + p);
            double maxDiff = 0;
            for (int i = 0; i < want.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
            }
            worst = Math.max(worst, maxDiff);
            assertTrue(maxDiff < 1e-3, fixture + " prompt " + p + ": max |Δlogit| " + maxDiff);
            if (ref.has("routing_fp32")) {
                JsonNode r = ref.get("routing_fp32").get(p);
                for (int l = 0; l < r.size(); l++) {
                    for (int pos = 0; pos < prompts[p].length; pos++) {
                        int[] want1 = new int[k];
                        for (int j = 0; j < k; j++) {
                            want1[j] = r.get(l).get(pos).get(j).asInt();
                        }
                        int[] got1 = Arrays.copyOfRange(out.routing()[l], pos * k, pos * k + k);
                        Arrays.sort(want1);
                        Arrays.sort(got1);
                        assertArrayEquals(want1, got1, fixture + " routing prompt " + p + " layer " + l + " pos " + pos);
                    }
                }
            }
            cache.close();
        }
        session.close();
        System.out.printf("%s: max |Δlogit| vs logits_fp32 = %.3g%n", fixture, worst);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v2-yarn", "tiny-ling-v2-fp8"})
    void greedyWithKvCacheAloneAndBatched(String fixture) throws Exception {
        ModelSession session = ModelSession.open(ModelFactory.open(Fixtures.model(fixture), backend));
        JsonNode ref = Fixtures.reference(fixture);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        int[][] want = Fixtures.ints2(ref.get("greedy_fp32"));
        for (int p = 0; p < prompts.length; p++) {
            assertArrayEquals(want[p], Greedy.decode(session, new int[][] {prompts[p]}, want[p].length)[0],
                    fixture + " prompt " + p + " alone");
        }
        int[][] batched = Greedy.decode(session, prompts, 24);
        for (int p = 0; p < prompts.length; p++) {
            assertArrayEquals(want[p], batched[p], fixture + " prompt " + p + " batched");
        }
    }

    /** Prefill in pieces (chunked prefill) gives the same last-token logits as one chunk. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2"})
    void chunkedPrefillMatchesOneChunk(String fixture) throws Exception {
        ModelSession session = ModelSession.open(ModelFactory.open(Fixtures.model(fixture), backend));
        int[] prompt = Fixtures.ints2(Fixtures.reference(fixture).get("prompt_ids"))[3];
        float[] whole = session.forward(List.of(new SeqInput(session.newSequence(), prompt))).logits()[0];
        ModelSession.Seq cache = session.newSequence();
        List<float[]> last = new ArrayList<>();
        for (int s = 0; s < prompt.length; s += 37) {
            int[] part = Arrays.copyOfRange(prompt, s, Math.min(prompt.length, s + 37));
            last.add(session.forward(List.of(new SeqInput(cache, part))).logits()[0]);
        }
        float[] chunked = last.get(last.size() - 1);
        for (int i = 0; i < whole.length; i++) {
            assertEquals(whole[i], chunked[i], 1e-4, "logit " + i);
        }
    }
}
