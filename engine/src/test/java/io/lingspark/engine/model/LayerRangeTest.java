package io.lingspark.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.step.ForwardBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * layers(from, to) chained over two ranges is the whole forward (what a two-stage pipeline runs), on
 * Ling 2.0 (GQA) and Ling 2.5 (MLA + linear state): the same logits bit for bit, for a prefill of two
 * sequences and for the decode step after it, each range reading and writing its own layers' caches.
 */
class LayerRangeTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25"})
    void twoRangesEqualTheWholeModel(String fixture) throws Exception {
        try (CpuBackend be = new CpuBackend(2)) {
            CausalLm m = ModelFactory.open(Fixtures.model(fixture), be);
            int[][] prompts = Fixtures.ints2(Fixtures.reference(fixture).get("prompt_ids"));
            int split = m.numLayers() / 2;
            CachePool whole = be.allocateCache(m.cacheSpec(16), 32, 2);
            CachePool staged = be.allocateCache(m.cacheSpec(16), 32, 2);
            int[] ta = {0, 1, 2, 3, 4};
            int[] tb = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
            ForwardBatch prefill = ForwardBatch.builder()
                .add(1, prompts[1], 0, prompts[1].length, 0, ta, 0, ForwardBatch.Logits.ALL)
                .add(2, prompts[3], 0, prompts[3].length, 0, tb, 1, ForwardBatch.Logits.LAST).build();
            ForwardBatch decode = ForwardBatch.builder()
                .add(1, new int[] {17}, 0, 1, prompts[1].length, ta, 0, ForwardBatch.Logits.LAST)
                .add(2, new int[] {23}, 0, 1, prompts[3].length, tb, 1, ForwardBatch.Logits.LAST).build();
            for (ForwardBatch b : new ForwardBatch[] {prefill, decode}) {
                float[] want = run(be, m, b, whole, new int[] {0, m.numLayers()});
                float[] got = run(be, m, b, staged, new int[] {0, split, m.numLayers()});
                assertEquals(b.logitRows().length * m.config().vocabSize, got.length);
                assertArrayEquals(want, got, fixture + ": layers [0, " + split + ") then [" + split + ", L)");
            }
        }
    }

    /** embed → layers over consecutive ranges (bounds[i], bounds[i+1]) → logits, on the host. */
    static float[] run(Backend be, CausalLm m, ForwardBatch b, CachePool pool, int[] bounds) {
        be.beginStep(b);
        IntermediateTensors h = m.embed(b);
        for (int i = 0; i + 1 < bounds.length; i++) {
            h = m.layers(b, pool, h, bounds[i], bounds[i + 1], null);
        }
        Tensor logits = m.logits(h, b.logitRows());
        be.endStep();
        return be.toHost(logits).clone();
    }
}
