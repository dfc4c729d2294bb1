package io.lingspark.engine.model;

import io.lingspark.engine.runtime.ModelSession.SeqInput;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.runtime.Greedy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.backend.cpu.CpuBackend;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Ling 2.5 on the CPU engine against the upstream HF reference (fixtures README, ling-v25):
 * prefill logits within 1e-3 at every position of all four prompts (the 160-token one crosses the
 * 64-token chunk boundary), and the 24 greedy fp32 tokens with the hybrid cache, alone and batched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HybridModelFixtureTest {
    static final String FIXTURE = "tiny-ling-v25";
    private CpuBackend backend;
    private LingModel model;
    private ModelSession session;
    private int[][] prompts;
    private JsonNode ref;

    @BeforeAll
    void setUp() throws Exception {
        backend = new CpuBackend(2);
        model = ModelFactory.open(Fixtures.model(FIXTURE), backend);
        session = ModelSession.open(model);
        ref = Fixtures.reference(FIXTURE);
        prompts = Fixtures.ints2(ref.get("prompt_ids"));
    }

    @AfterAll
    void tearDown() {
        backend.close();
    }

    @Test
    void layerKindsMatchReference() {
        JsonNode types = ref.get("layer_types");
        for (int l = 0; l < types.size(); l++) {
            String want = types.get(l).asText().equals("attention") ? "MLA" : "LINEAR";
            assertEquals(want, model.config().layerKind(l).name(), "layer " + l);
        }
    }

    @Test
    void prefillLogitsMatchReferenceAtEveryPosition() {
        int v = model.config().vocabSize;
        StringBuilder report = new StringBuilder();
        for (int p = 0; p < prompts.length; p++) {
            ModelSession.Seq cache = session.newSequence();
            float[] got = session.forward(List.of(new SeqInput(cache, prompts[p], true))).logits()[0];
            float[] want = Fixtures.logits(FIXTURE, "logits_fp32." + p);
            assertEquals(want.length, got.length, "logits size, prompt " + p);
            assertEquals(prompts[p].length * v, got.length);
            double maxDiff = maxAbsDiff(want, got);
            report.append(String.format(" p%d(%d tok)=%.3g", p, prompts[p].length, maxDiff));
            assertTrue(maxDiff < 1e-3, "prompt " + p + ": max |Δlogit| " + maxDiff);
            cache.close();
        }
        System.out.println("tiny-ling-v25 max |Δlogit| vs logits_fp32:" + report);
    }

    @Test
    void greedyWithCacheAloneAndBatched() {
        int[][] want = Fixtures.ints2(ref.get("greedy_fp32"));
        for (int p = 0; p < prompts.length; p++) {
            assertArrayEquals(want[p], Greedy.decode(session, new int[][] {prompts[p]}, want[p].length)[0],
                    "prompt " + p + " alone");
        }
        int[][] batched = Greedy.decode(session, prompts, want[0].length);
        for (int p = 0; p < prompts.length; p++) {
            assertArrayEquals(want[p], batched[p], "prompt " + p + " batched");
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(x -> x.length).sum();
        float[] out = new float[n];
        int o = 0;
        for (float[] x : parts) {
            System.arraycopy(x, 0, out, o, x.length);
            o += x.length;
        }
        return out;
    }

    static int[] slice(int[] a, int from, int to) {
        return Arrays.copyOfRange(a, from, Math.min(a.length, to));
    }
}
