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

    /** Σ_i a[ao + i] · b[bo + i], i < n. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int nv = n - n % L;
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < nv; i += L) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
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
            FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (int i = nv; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    /** y[yo + i] = s · y[yo + i] + alpha · x[xo + i], i < n (decayed state update). */
    static void scaleAxpy(float s, float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int nv = n - n % L;
        FloatVector av = FloatVector.broadcast(F, alpha);
        FloatVector sv = FloatVector.broadcast(F, s);
        for (int i = 0; i < nv; i += L) {
            FloatVector.fromArray(F, x, xo + i).mul(av).add(FloatVector.fromArray(F, y, yo + i).mul(sv)).intoArray(y, yo + i);
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
            wv.fma(av, FloatVector.fromArray(F, y, i)).intoArray(y, i);
        }
        for (int i = nv; i < n; i++) {
            y[i] += alpha * Float.intBitsToFloat((w[off + i] & 0xffff) << 16);
        }
    }
}
