package io.lingspark.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fp32 row product (F32 weights and dequantised FP8 rows): close to a double-precision sum, and a
 * token's result the same bits whether it is alone in the call or one of four (batch invariance:
 * prefill, decode and the prefix cache rely on it).
 */
class DotF32Test {
    @Test
    void aTokensProductIsTheSameAloneOrInAGroupAndCloseToTheExactSum() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int k : new int[] {1, 15, 16, 17, 48, 64, 100, 127, 128, 1000, 1024, 1031}) {
            float[] w = new float[k];
            float[] x = new float[4 * k];
            for (int i = 0; i < k; i++) {
                w[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] group = new float[4];
            MatmulKernels.dotRows(null, w, 0, k, x, 0, k, 4, group, 0, 1);
            for (int t = 0; t < 4; t++) {
                float[] alone = new float[1];
                MatmulKernels.dotRows(null, w, 0, k, x, t * k, k, 1, alone, 0, 1);
                assertEquals(Float.floatToIntBits(alone[0]), Float.floatToIntBits(group[t]), "k " + k + " token " + t);
                double exact = 0;
                double scale = 0;
                for (int i = 0; i < k; i++) {
                    exact += (double) x[t * k + i] * w[i];
                    scale += Math.abs((double) x[t * k + i] * w[i]);
                }
                assertEquals(exact, group[t], 1e-6 * scale + 1e-30, "k " + k);
            }
        }
    }
}
