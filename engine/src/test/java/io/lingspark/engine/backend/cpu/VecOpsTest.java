package io.lingspark.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The attention's vector helpers against scalar references, bit for bit, on lengths with tails. */
class VecOpsTest {

    @Test
    void addScaledIsTheScalarLoop() {
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 100; trial++) {
            int n = r.nextInt(150);
            int xo = r.nextInt(5);
            int yo = r.nextInt(5);
            float a = (float) r.nextGaussian();
            float[] x = random(r, xo + n);
            float[] y = random(r, yo + n);
            float[] want = y.clone();
            for (int i = 0; i < n; i++) {
                want[yo + i] += a * x[xo + i];
            }
            VecOps.addScaled(a, x, xo, y, yo, n);
            for (int i = 0; i < y.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(y[i]), "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void weightedSum4IsAddScaledRowByRow() {
        SplittableRandom r = new SplittableRandom(6);
        for (int trial = 0; trial < 50; trial++) {
            int d = 16 * (1 + r.nextInt(10));
            int np = 1 + r.nextInt(70);
            float[][] xs = new float[np][];
            int[] xo = new int[np];
            float[] pool = random(r, 3 * d + 7);
            for (int p = 0; p < np; p++) { // rows spread over two arrays at odd offsets, as cache blocks are
                xs[p] = p % 3 == 0 ? pool : random(r, d + 5);
                xo[p] = p % 3 == 0 ? r.nextInt(2 * d + 7) : r.nextInt(5);
            }
            float[][] w = new float[4][];
            for (int j = 0; j < 4; j++) {
                w[j] = random(r, np);
            }
            int oo = r.nextInt(9);
            float[] want = new float[oo + 4 * d];
            for (int p = 0; p < np; p++) {
                for (int j = 0; j < 4; j++) {
                    VecOps.addScaled(w[j][p], xs[p], xo[p], want, oo + j * d, d);
                }
            }
            float[] got = random(r, oo + 4 * d); // overwritten, not added to
            System.arraycopy(want, 0, got, 0, oo);
            VecOps.weightedSum4(w[0], w[1], w[2], w[3], xs, xo, np, d, got, oo);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "d=" + d + " np=" + np + " at " + i);
            }
        }
    }

    @Test
    void axpyRowsIsAxpyRowByRow() {
        SplittableRandom r = new SplittableRandom(8);
        for (int trial = 0; trial < 60; trial++) {
            int n = r.nextInt(200);
            int np = 1 + r.nextInt(40);
            float[][] xs = new float[np][];
            int[] xo = new int[np];
            for (int p = 0; p < np; p++) {
                xo[p] = r.nextInt(7);
                xs[p] = random(r, xo[p] + n);
            }
            float[] alpha = random(r, np);
            int yo = r.nextInt(5);
            float[] want = new float[yo + n];
            for (int p = 0; p < np; p++) {
                VecOps.axpy(alpha[p], xs[p], xo[p], want, yo, n);
            }
            float[] got = random(r, yo + n); // overwritten, not added to
            System.arraycopy(want, 0, got, 0, yo);
            VecOps.axpyRows(alpha, xs, xo, np, got, yo, n);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "n=" + n + " np=" + np + " at " + i);
            }
        }
    }

    @Test
    void dotOrderedIsEightFmaChainsSummedInLaneOrder() {
        SplittableRandom r = new SplittableRandom(4);
        float[] lanes = new float[8];
        for (int trial = 0; trial < 100; trial++) {
            int n = r.nextInt(300);
            int ao = r.nextInt(9);
            int bo = r.nextInt(9);
            float[] a = random(r, ao + n);
            float[] b = random(r, bo + n);
            float[] acc = new float[8];
            int nv = n - n % 8;
            for (int i = 0; i < nv; i++) {
                acc[i % 8] = Math.fma(a[ao + i], b[bo + i], acc[i % 8]);
            }
            float want = 0;
            for (float v : acc) {
                want += v;
            }
            for (int i = nv; i < n; i++) {
                want += a[ao + i] * b[bo + i];
            }
            float got = VecOps.dotOrdered(a, ao, b, bo, n, lanes);
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "n=" + n);
        }
    }

    @Test
    void dotOrdered4GivesEachRowsDotOrdered() {
        SplittableRandom r = new SplittableRandom(5);
        float[] lanes = new float[8];
        for (int trial = 0; trial < 100; trial++) {
            int n = r.nextInt(200);
            int ao = r.nextInt(9);
            float[] a = random(r, ao + n);
            float[][] b = new float[4][];
            int[] o = new int[4];
            for (int j = 0; j < 4; j++) {
                o[j] = r.nextInt(9);
                b[j] = random(r, o[j] + n);
            }
            float[] got = new float[6];
            VecOps.dotOrdered4(a, ao, b[0], o[0], b[1], o[1], b[2], o[2], b[3], o[3], n, lanes, got, 2);
            for (int j = 0; j < 4; j++) {
                float want = VecOps.dotOrdered(a, ao, b[j], o[j], n, lanes);
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[2 + j]), "n=" + n + " row " + j);
            }
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
