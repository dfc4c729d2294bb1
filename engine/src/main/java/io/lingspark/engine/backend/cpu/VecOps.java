package io.lingspark.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Small fp32 vector kernels (Vector API, 8 lanes) for the hybrid attention loops: dot products and
 * axpy over head-sized rows, where the JIT would otherwise leave the fp32 reductions scalar.
 */
final class VecOps {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final int L = F.length();

    private VecOps() {
    }

    /**
     * Σ_i a[ao + i] · b[bo + i], i < n, with the 8 lane sums added in lane order: the same bits whether
     * the JIT has compiled this or not (reduceLanes leaves its order to the implementation).
     */
    static float dotOrdered(float[] a, int ao, float[] b, int bo, int n, float[] lanes) {
        int nv = n - n % L;
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < nv; i += L) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        return finish(acc, a, ao, b, bo, nv, n, lanes);
    }

    /**
     * {@link #dotOrdered} of a against 4 rows at once (b0..b3 at o0..o3), into out[oo .. oo + 4): the
     * same 4 results, with 4 independent fma chains in flight instead of one (attention scores:
     * a chain of 16 dependent fmas per score left the core mostly waiting).
     */
    static void dotOrdered4(float[] a, int ao, float[] b0, int o0, float[] b1, int o1, float[] b2, int o2, float[] b3,
                            int o3, int n, float[] lanes, float[] out, int oo) {
        int nv = n - n % L;
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        for (int i = 0; i < nv; i += L) {
            FloatVector av = FloatVector.fromArray(F, a, ao + i);
            c0 = av.fma(FloatVector.fromArray(F, b0, o0 + i), c0);
            c1 = av.fma(FloatVector.fromArray(F, b1, o1 + i), c1);
            c2 = av.fma(FloatVector.fromArray(F, b2, o2 + i), c2);
            c3 = av.fma(FloatVector.fromArray(F, b3, o3 + i), c3);
        }
        out[oo] = finish(c0, a, ao, b0, o0, nv, n, lanes);
        out[oo + 1] = finish(c1, a, ao, b1, o1, nv, n, lanes);
        out[oo + 2] = finish(c2, a, ao, b2, o2, nv, n, lanes);
        out[oo + 3] = finish(c3, a, ao, b3, o3, nv, n, lanes);
    }

    /** dotOrdered's ending: lanes in order, then the scalar tail. */
    private static float finish(FloatVector acc, float[] a, int ao, float[] b, int bo, int nv, int n, float[] lanes) {
        ExactType.of(F, acc).intoArray(lanes, 0);
        float s = 0;
        for (int j = 0; j < L; j++) {
            s += lanes[j];
        }
        for (int i = nv; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /** y[yo + i] += alpha · x[xo + i], i < n. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int nv = n - n % L;
        FloatVector av = FloatVector.broadcast(F, alpha);
        for (int i = 0; i < nv; i += L) {
            ExactType.of(F, FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)))
                .intoArray(y, yo + i);
        }
        for (int i = nv; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    /**
     * y[yo + i] += alpha · x[xo + i], i < n, the product rounded before the sum (no fma): bit for bit the
     * scalar loop {@code y[i] += alpha * x[i]}.
     */
    static void addScaled(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int nv = n - n % L;
        FloatVector av = FloatVector.broadcast(F, alpha);
        for (int i = 0; i < nv; i += L) {
            ExactType.of(F, FloatVector.fromArray(F, y, yo + i).add(FloatVector.fromArray(F, x, xo + i).mul(av)))
                .intoArray(y, yo + i);
        }
        for (int i = nv; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    /**
     * For 4 heads j: out[oo + j·d + c] = Σ_p w_j[p] · x[p][c], c < d, d % 16 == 0, positions p < np in
     * order, row p at xs[p][xo[p] ..): bit for bit {@link #addScaled} of every row into zeroed outputs
     * (each product rounded, then added in position order). Eight accumulators stay in registers over
     * all positions (16 columns of 4 heads); addScaled's loads and stores of the outputs per position
     * made this loop store-bound (two thirds of a decode step's attention).
     */
    static void weightedSum4(float[] w0, float[] w1, float[] w2, float[] w3, float[][] xs, int[] xo, int np, int d,
                             float[] out, int oo) {
        for (int c = 0; c < d; c += 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int p = 0; p < np; p++) {
                FloatVector x = FloatVector.fromArray(F, xs[p], xo[p] + c);
                FloatVector y = FloatVector.fromArray(F, xs[p], xo[p] + c + L);
                a0 = a0.add(x.mul(w0[p]));
                b0 = b0.add(y.mul(w0[p]));
                a1 = a1.add(x.mul(w1[p]));
                b1 = b1.add(y.mul(w1[p]));
                a2 = a2.add(x.mul(w2[p]));
                b2 = b2.add(y.mul(w2[p]));
                a3 = a3.add(x.mul(w3[p]));
                b3 = b3.add(y.mul(w3[p]));
            }
            ExactType.of(F, a0).intoArray(out, oo + c);
            ExactType.of(F, b0).intoArray(out, oo + c + L);
            ExactType.of(F, a1).intoArray(out, oo + d + c);
            ExactType.of(F, b1).intoArray(out, oo + d + c + L);
            ExactType.of(F, a2).intoArray(out, oo + 2 * d + c);
            ExactType.of(F, b2).intoArray(out, oo + 2 * d + c + L);
            ExactType.of(F, a3).intoArray(out, oo + 3 * d + c);
            ExactType.of(F, b3).intoArray(out, oo + 3 * d + c + L);
        }
    }

    /**
     * y[yo + i] = Σ_p alpha[p] · xs[p][xo[p] + i], i < n, positions p < np in order: bit for bit {@link #axpy}
     * of every row into a zeroed y (each element one fma chain in position order, the scalar tail as
     * axpy's), with 4 vectors of sums kept in registers across positions instead of y loaded and stored
     * at every position.
     */
    static void axpyRows(float[] alpha, float[][] xs, int[] xo, int np, float[] y, int yo, int n) {
        int nv = n - n % L;
        int c = 0;
        for (; c + 4 * L <= nv; c += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0; p < np; p++) {
                FloatVector av = FloatVector.broadcast(F, alpha[p]);
                int o = xo[p] + c;
                a0 = FloatVector.fromArray(F, xs[p], o).fma(av, a0);
                a1 = FloatVector.fromArray(F, xs[p], o + L).fma(av, a1);
                a2 = FloatVector.fromArray(F, xs[p], o + 2 * L).fma(av, a2);
                a3 = FloatVector.fromArray(F, xs[p], o + 3 * L).fma(av, a3);
            }
            ExactType.of(F, a0).intoArray(y, yo + c);
            ExactType.of(F, a1).intoArray(y, yo + c + L);
            ExactType.of(F, a2).intoArray(y, yo + c + 2 * L);
            ExactType.of(F, a3).intoArray(y, yo + c + 3 * L);
        }
        for (; c < nv; c += L) {
            FloatVector a0 = FloatVector.zero(F);
            for (int p = 0; p < np; p++) {
                a0 = FloatVector.fromArray(F, xs[p], xo[p] + c).fma(FloatVector.broadcast(F, alpha[p]), a0);
            }
            ExactType.of(F, a0).intoArray(y, yo + c);
        }
        for (int i = nv; i < n; i++) {
            float acc = 0;
            for (int p = 0; p < np; p++) {
                acc += alpha[p] * xs[p][xo[p] + i];
            }
            y[yo + i] = acc;
        }
    }

    /** y[yo + i] = s · y[yo + i] + alpha · x[xo + i], i < n (decayed state update). */
    static void scaleAxpy(float s, float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int nv = n - n % L;
        FloatVector av = FloatVector.broadcast(F, alpha);
        FloatVector sv = FloatVector.broadcast(F, s);
        for (int i = 0; i < nv; i += L) {
            ExactType.of(F, FloatVector.fromArray(F, x, xo + i).mul(av).add(FloatVector.fromArray(F, y, yo + i).mul(sv)))
                .intoArray(y, yo + i);
        }
        for (int i = nv; i < n; i++) {
            y[yo + i] = s * y[yo + i] + alpha * x[xo + i];
        }
    }

    /** y[i] += alpha · w[off + i], i < n, over bf16 weights in an array (widened in registers). */
    static void axpyBf16(float alpha, short[] w, int off, float[] y, int n) {
        int nv = n - n % L;
        FloatVector av = FloatVector.broadcast(F, alpha);
        for (int i = 0; i < nv; i += L) {
            FloatVector wv = ((IntVector) ShortVector.fromArray(S, w, off + i).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            ExactType.of(F, wv.fma(av, FloatVector.fromArray(F, y, i))).intoArray(y, i);
        }
        for (int i = nv; i < n; i++) {
            y[i] += alpha * Float.intBitsToFloat((w[off + i] & 0xffff) << 16);
        }
    }
}
