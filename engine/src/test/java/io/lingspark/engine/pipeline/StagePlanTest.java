package io.lingspark.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ParameterCount;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.model.Fixtures;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The stage split: balanced (optimal, checked against every split), explicit, and its typed errors. */
class StagePlanTest {
    static long cost(LayerSizes s, int from, int to) {
        long c = 0;
        for (int l = from; l < to; l++) {
            c += s.layerWeights()[l] + s.layerCache()[l] * StagePlan.REFERENCE_TOKENS;
        }
        return c + (from == 0 ? s.embeddingBytes() : 0) + (to == s.layers() ? s.headBytes() : 0);
    }

    static long largest(LayerSizes s, StagePlan p) {
        long m = 0;
        for (StagePlan.Stage st : p.stages()) {
            m = Math.max(m, cost(s, st.firstLayer(), st.lastLayer()));
        }
        return m;
    }

    /** The smallest largest stage over every contiguous split into k stages (exhaustive). */
    static long bruteForce(LayerSizes s, int from, int k) {
        if (k == 1) {
            return cost(s, from, s.layers());
        }
        long best = Long.MAX_VALUE;
        for (int cut = from + 1; cut <= s.layers() - k + 1; cut++) {
            best = Math.min(best, Math.max(cost(s, from, cut), bruteForce(s, cut, k - 1)));
        }
        return best;
    }

    @Test
    void balancedSplitIsOptimalAndCoversEveryLayerOnce() {
        Random r = new Random(3);
        for (int trial = 0; trial < 40; trial++) {
            int l = 2 + r.nextInt(10);
            long[] w = new long[l];
            long[] c = new long[l];
            for (int i = 0; i < l; i++) {
                w[i] = 1 + r.nextInt(1000);
                c[i] = r.nextInt(3);
            }
            LayerSizes s = new LayerSizes(w, c, new long[l], r.nextInt(2000), r.nextInt(2000));
            for (int k = 1; k <= Math.min(l, 5); k++) {
                StagePlan p = StagePlan.balanced(s, k);
                assertEquals(k, p.size());
                int next = 0;
                for (StagePlan.Stage st : p.stages()) {
                    assertEquals(next, st.firstLayer());
                    assertTrue(st.layers() >= 1);
                    assertEquals(st.index() == 0, st.embedding());
                    assertEquals(st.index() == k - 1, st.head());
                    next = st.lastLayer();
                }
                assertEquals(l, next);
                assertEquals(bruteForce(s, 0, k), largest(s, p), "trial " + trial + ", " + k + " stages");
            }
        }
    }

    @Test
    void flashSplitsIntoStagesOfNearlyEqualWeight() {
        LayerSizes s = LayerSizes.of(Presets.get("ling-flash-2.0"), false, 2);
        StagePlan p = StagePlan.balanced(s, 4);
        long total = 0;
        long max = 0;
        for (StagePlan.Stage st : p.stages()) {
            total += st.weightBytes();
            max = Math.max(max, st.weightBytes());
        }
        assertTrue(max < total / 4 * 1.1, "largest stage " + max + " of " + total);
    }

    @Test
    void explicitSplitAndItsErrors() {
        LayerSizes s = LayerSizes.of(Presets.get("tiny"), false, 4);
        int l = s.layers();
        StagePlan p = StagePlan.parse("0-0, 1-" + (l - 1), s);
        assertEquals(2, p.size());
        assertEquals("1-" + (l - 1), p.stage(1).range());
        assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("1-" + (l - 1), s));
        assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("0-0,2-" + (l - 1), s));
        assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("0-0", s));
        assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("zero-one", s));
        assertThrows(IllegalArgumentException.class, () -> StagePlan.balanced(s, l + 1));
        assertThrows(IllegalArgumentException.class, () -> StagePlan.balanced(s, 0));
    }

    @Test
    void checkpointSizesAreTheTensorBytes() {
        LingConfig c = LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2"));
        try (Checkpoint ckpt = Checkpoint.open(Fixtures.model("tiny-ling-v2"))) {
            LayerSizes s = LayerSizes.of(ckpt, c, 2);
            long sum = s.embeddingBytes() + s.headBytes();
            for (long w : s.layerWeights()) {
                sum += w;
            }
            long tensors = ckpt.tensors().values().stream().mapToLong(t -> t.byteLength()).sum();
            assertEquals(tensors, sum);
            assertFalse(s.layerCache()[0] == 0);
        }
    }

    @Test
    void ling25OneTrillionPresetHasItsParameterCount() {
        assertEquals(1_012_231_160_320L, ParameterCount.total(Presets.get("ling-2.5-1t")));
    }

    @Test
    void gpuStagesTakeConsecutiveDevicesAndWrapWhenThereAreFewer() {
        assertEquals(3, Pipelines.stageDevice(2, 1, 8), "cuda:2, stage 1");
        assertEquals(0, Pipelines.stageDevice(0, 1, 1), "one GPU: every stage on it");
        assertEquals(2, Pipelines.stagesOn(0, 0, 2, 1));
        assertEquals(1, Pipelines.stagesOn(1, 0, 2, 2));
        assertEquals(2, Pipelines.stagesOn(1, 1, 3, 3), "cuda:1 of 3 devices: stages on 1, 2, 1");
    }

    @Test
    void onTheCpuTheDefaultSplitBalancesDecodeTimeNotMemory() {
        // bench-small: the head (lm_head over 32768 tokens) weighs a third of a layer but costs about two
        // layers of a batch-16 decode step on the CPU, so the last stage takes fewer layers there
        LingConfig c = Presets.get("bench-small");
        LayerSizes sizes = LayerSizes.of(c, false, 4);
        StagePlan memory = StagePlan.balanced(sizes, 2);
        StagePlan time = StagePlan.balancedForCpu(sizes, c, 2);
        assertEquals("0-3", memory.stage(0).range());
        assertEquals("0-4", time.stage(0).range());
        assertEquals("5-7", time.stage(1).range());
        long[] cost = DecodeCost.perLayer(c);
        double head = cost[7] - cost[6];
        assertTrue(head / cost[1] > 1.5 && head / cost[1] < 2.5, "head = " + head / cost[1] + " MoE layers"); // layer 0 is dense
    }
}
