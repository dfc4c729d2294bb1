package io.lingspark.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.lingspark.engine.backend.Backend.MoeWeights;
import io.lingspark.engine.backend.MoeSpec;
import io.lingspark.engine.backend.Weight;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Routed experts: the order the threads take the experts in changes when, never what, they compute. */
class CpuMoeTest {

    @Test
    void theLargestExpertsComeFirstTiesInIndexOrder() {
        int[][] slots = {new int[2], new int[5], new int[1], new int[5], new int[0], new int[9]};
        assertArrayEquals(new int[] {5, 1, 3, 0, 2, 4}, CpuMoe.largestFirst(slots));
    }

    /**
     * The same tokens through the same experts with 1, 2 and 3 threads (the job per expert, claimed
     * largest first, and with few experts per thread the products split over rows): the same bits, and
     * the same chosen experts.
     */
    @Test
    void outputsDoNotDependOnTheThreadsOrTheOrderOfTheExperts() {
        int h = 64;
        int m = 32;
        MoeSpec spec = new MoeSpec(16, 4, 4, 2, 2.5f, m);
        float[][] outs = new float[3][];
        int[][] chosen = new int[3][];
        for (int tokens : new int[] {1, 3, 40}) {
            for (int threads = 1; threads <= 3; threads++) {
                CpuBackend be = new CpuBackend(threads);
                try {
                    Weight[] gateUp = new Weight[spec.experts()];
                    Weight[] down = new Weight[spec.experts()];
                    for (int e = 0; e < spec.experts(); e++) {
                        gateUp[e] = be.random("gu" + e, 2 * m, h, 100 + e, 0.1f);
                        down[e] = be.random("d" + e, h, m, 200 + e, 0.1f);
                    }
                    float[] bias = new float[spec.experts()];
                    MoeWeights w = new MoeWeights(be.random("router", spec.experts(), h, 7, 0.5f), bias, gateUp, down);
                    CpuTensor x = new CpuTensor(tokens, h);
                    SplittableRandom r = new SplittableRandom(tokens);
                    for (int i = 0; i < x.data.length; i++) {
                        x.data[i] = (float) r.nextGaussian();
                    }
                    CpuTensor out = new CpuTensor(tokens, h);
                    int[] ids = new int[tokens * spec.topK()];
                    be.moe(x, w, spec, out, ids);
                    outs[threads - 1] = out.data;
                    chosen[threads - 1] = ids;
                } finally {
                    be.close();
                }
            }
            for (int i = 1; i < 3; i++) {
                assertArrayEquals(chosen[0], chosen[i], tokens + " tokens, " + (i + 1) + " threads: experts");
                assertArrayEquals(outs[0], outs[i], tokens + " tokens, " + (i + 1) + " threads: outputs");
            }
        }
    }
}
