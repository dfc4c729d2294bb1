package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The lane argmax gives the scalar loop's answer: first index of the maximum, NaN and signed zeros included. */
class ArgmaxTest {
    @Test
    void lanesAgreeWithTheScalarLoop() {
        SplittableRandom r = new SplittableRandom(4);
        int[] sizes = {1, 7, 31, 32, 33, 63, 64, 100, 1000, 1024, 157_184};
        for (int t = 0; t < 3000; t++) {
            int v = sizes[t % sizes.length];
            int off = r.nextInt(5);
            float[] l = new float[v + off + 3];
            for (int i = 0; i < l.length; i++) {
                l[i] = switch (t % 6) {
                    case 0 -> (float) r.nextGaussian();
                    case 1 -> r.nextInt(4);                                  // many ties
                    case 2 -> Float.NEGATIVE_INFINITY;                       // a fully masked row
                    case 3 -> r.nextBoolean() ? -0.0f : 0.0f;                // signed zeros tie
                    case 4 -> r.nextInt(50) == 0 ? Float.NaN : (float) r.nextGaussian();
                    default -> r.nextInt(3) == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
                };
            }
            if (t % 6 == 5 && v > 10) {
                Arrays.fill(l, off, off + v / 2, Float.NEGATIVE_INFINITY);
                l[off + v - 1] = 100f; // the maximum in the tail past the lanes
            }
            assertEquals(Argmax.scalar(l, off, v), Argmax.of(l, off, v), "row " + t + ", v " + v);
        }
    }
}
