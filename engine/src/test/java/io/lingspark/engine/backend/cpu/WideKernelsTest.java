package io.lingspark.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.weights.HostMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The bf16 matrix kernels (whichever MatmulKernels picks on this machine, and the pair kernels with
 * and without their 4-row kernel and the wide tiles each called directly) against a scalar reference
 * of the pair-order arithmetic, bit for bit, on random shapes with ragged edges: token counts not
 * multiples of 4, row ranges not multiples of 4 and starting anywhere, weights split into parts at
 * odd rows.
 */
class WideKernelsTest {

    /** The pair kernels' numbers for one output, in scalar code: 8 even and 8 odd fma chains in k order. */
    static float reference(float[] x, int x0, float[] w, int w0, int k) {
        float[] e = new float[8];
        float[] o = new float[8];
        for (int b = 0; b < k; b += 16) {
            for (int j = 0; j < 8; j++) {
                e[j] = Math.fma(x[x0 + b + 2 * j], w[w0 + b + 2 * j], e[j]);
                o[j] = Math.fma(x[x0 + b + 2 * j + 1], w[w0 + b + 2 * j + 1], o[j]);
            }
        }
        float s = 0;
        for (int j = 0; j < 8; j++) {
            s += e[j] + o[j];
        }
        return s;
    }

    /** A bf16 weight [rows, k] in parts of partRows rows (direct buffers, as mapped files), and its fp32 values. */
    static CpuWeight weight(SplittableRandom r, int rows, int k, int partRows, float[] values) {
        List<HostMatrix.Part> parts = new ArrayList<>();
        for (int p = 0; p < rows; p += partRows) {
            int nr = Math.min(partRows, rows - p);
            ByteBuffer b = ByteBuffer.allocateDirect(2 * nr * k).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < nr * k; i++) {
                short bits = (short) (Float.floatToRawIntBits((float) r.nextGaussian()) >>> 16);
                b.putShort(2 * i, bits);
                values[p * k + i] = Float.intBitsToFloat((bits & 0xffff) << 16);
            }
            parts.add(new HostMatrix.Part(b, nr, p, null, 0, 0, 0));
        }
        return new CpuWeight(HostMatrix.ofParts("w", k, HostMatrix.Format.BF16, parts));
    }

    /** A bf16 product over rows [n0, n1) of w for t tokens (the kernel under test). */
    interface Product {
        void run(float[] x, int t, CpuWeight w, float[] out, int n0, int n1);
    }

    /** The wide tiles called directly, with scratch of their own (whatever this machine's vectors). */
    static final Product WIDE = (x, t, w, out, n0, n1) -> WideKernels.rows(x, t, w, out, n0, n1, new short[4 * w.cols],
        new float[4 * w.cols], new float[WideKernels.TILE_SCRATCH]);

    /**
     * product against {@link #reference} on random ragged shapes, bit for bit; rows outside [n0, n1)
     * stay 0. Every `trial % tokenOneEvery == 0` trial has one token; token counts above 64 span two
     * token blocks.
     */
    static void matchesReference(Product product, long seed, int trials, int tokenOneEvery) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int trial = 0; trial < trials; trial++) {
            int k = 16 * (1 + r.nextInt(24));
            int rows = 1 + r.nextInt(23);
            int t = trial % tokenOneEvery == 0 ? 1 : 1 + r.nextInt(trial % 3 == 0 ? 140 : 11);
            float[] wv = new float[rows * k];
            CpuWeight w = weight(r, rows, k, 1 + r.nextInt(rows), wv);
            matchesOnARandomRange(r, product, w, t, (x, x0, row) -> reference(x, x0, wv, row * k, k));
        }
    }

    /** One output's expected value: token activations x from x0 against weight row row. */
    interface RowReference {
        float of(float[] x, int x0, int row);
    }

    /**
     * product of w over a random row range [n0, n1) for t random tokens against ref, bit for bit; rows
     * outside the range stay 0.
     */
    static void matchesOnARandomRange(SplittableRandom r, Product product, CpuWeight w, int t, RowReference ref) {
        int k = w.cols;
        int rows = w.rows;
        float[] x = new float[t * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        int n0 = r.nextInt(rows);
        int n1 = n0 + 1 + r.nextInt(rows - n0);
        float[] out = new float[t * rows];
        product.run(x, t, w, out, n0, n1);
        for (int tok = 0; tok < t; tok++) {
            for (int row = 0; row < rows; row++) {
                float want = row >= n0 && row < n1 ? ref.of(x, tok * k, row) : 0f;
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[tok * rows + row]),
                    "k=" + k + " rows=" + rows + " t=" + t + " [" + n0 + "," + n1 + ") token " + tok + " row " + row);
            }
        }
    }

    /** Whatever MatmulKernels picks on this machine (the wide tiles with AVX-512, the pair kernels without). */
    @Test
    void matchesScalarReferenceBitForBitOnRaggedShapes() {
        matchesReference(MatmulKernels::matmulRows, 20, 60, 10);
    }

    /**
     * The pair-order products called directly, with their 4-row kernel (what machines without AVX-512
     * run) and without (the one-row kernels, -Dlingspark.cpu.pairtiles=false), so both stay tested where
     * the wide tiles are the default.
     */
    @Test
    void pairKernelsMatchTheReferenceWithAndWithoutTiles() {
        matchesReference((x, t, w, out, n0, n1) -> MatmulKernels.pairRows(x, null, t, w, out, n0, n1, true), 22, 60, 5);
        matchesReference((x, t, w, out, n0, n1) -> MatmulKernels.pairRows(x, null, t, w, out, n0, n1, false), 23, 60, 5);
        matchesReference((x, t, w, out, n0, n1) -> { // activations ordered once by the caller (a product split into row ranges)
            float[] ordered = new float[t * w.cols];
            PairKernels.order(x, 0, t, w.cols, ordered);
            MatmulKernels.pairRows(x, ordered, t, w, out, n0, n1, true);
        }, 24, 60, 5);
    }

    /**
     * The wide tiles called directly, on every machine: where AVX-512 is not native (CI, the AVX2
     * development machines) the Vector API runs their 512-bit vectors in its Java fallback, slowly but
     * with the same IEEE operations (Math.fma per lane), so the path AVX-512 machines take by default is
     * checked bit for bit here too, not only on the machines that run it.
     */
    @Test
    void wideTilesMatchTheReferenceOnEveryMachine() {
        matchesReference(WIDE, 21, 40, 7);
    }

    /** The setting: "force" anywhere (the build's wide-tiles test run, which this also checks), else native and "true". */
    @Test
    void theWideSetting() {
        assertTrue(WideKernels.available("force", false));
        assertTrue(WideKernels.available("FORCE", true));
        assertTrue(WideKernels.available("true", true));
        assertFalse(WideKernels.available("true", false));
        assertFalse(WideKernels.available("false", true));
        assertFalse(WideKernels.available("no", true));
        boolean forced = "force".equals(System.getProperty("lingspark.cpu.wide"));
        assertTrue(!forced || (WideKernels.AVAILABLE && !MatmulKernels.takesPairOrder(weight(new SplittableRandom(1), 4, 64, 4,
            new float[4 * 64]))), "a forced run must take the wide tiles");
    }

    @Test
    void aTokenGetsTheSameNumbersAloneAndInATile() {
        SplittableRandom r = new SplittableRandom(7);
        int k = 1024;
        int rows = 37;
        float[] wv = new float[rows * k];
        CpuWeight w = weight(r, rows, k, 20, wv);
        int t = 9;
        float[] x = new float[t * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        List<Product> products = List.of(MatmulKernels::matmulRows,
            (xs, nt, ws, out, n0, n1) -> MatmulKernels.pairRows(xs, null, nt, ws, out, n0, n1, true),
            (xs, nt, ws, out, n0, n1) -> MatmulKernels.pairRows(xs, null, nt, ws, out, n0, n1, false),
            WIDE);
        for (Product product : products) { // each alone against itself; any against any via the reference above
            float[] all = new float[t * rows];
            product.run(x, t, w, all, 0, rows);
            for (int tok = 0; tok < t; tok++) {
                float[] one = new float[rows];
                float[] xi = java.util.Arrays.copyOfRange(x, tok * k, (tok + 1) * k);
                product.run(xi, 1, w, one, 0, rows);
                for (int row = 0; row < rows; row++) {
                    assertEquals(Float.floatToRawIntBits(one[row]), Float.floatToRawIntBits(all[tok * rows + row]));
                }
            }
        }
    }
}
