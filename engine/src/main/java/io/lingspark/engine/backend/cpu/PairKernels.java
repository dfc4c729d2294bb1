package io.lingspark.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * BF16 dot products in "pair order", the same arithmetic for one token and for four: 16 bf16 weights
 * are read as 8 little-endian ints, each holding an even element in its low half and the next odd one
 * in its high half, so a shift and a mask give the even and the odd elements as two fp32 vectors with
 * no widening conversion. x is reordered to match once ({@link #order}). Every output is
 * (Σ even products + Σ odd products) summed lane by lane in a fixed order, whatever the number of rows
 * computed together: a token's result never depends on how many tokens share its step (decode of one
 * sequence, a batch, a prefill chunk of any length, a prefix served from the cache).
 */
final class PairKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final int L = F.length(); // 8 lanes

    private PairKernels() {
    }

    /** Whether rows of k elements take these kernels (whole blocks of 16). */
    static boolean fits(int k) {
        return k % 16 == 0;
    }

    /**
     * dst[r·k ..] = x[x0 + r·k ..] reordered for rows r in [0, rows): per block of 16, the 8 even-indexed
     * values, then the 8 odd-indexed ones.
     */
    static void order(float[] x, int x0, int rows, int k, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int s = x0 + r * k;
            int d = r * k;
            for (int b = 0; b < k; b += 16) {
                for (int j = 0; j < 8; j++) {
                    dst[d + b + j] = x[s + b + 2 * j];
                    dst[d + b + 8 + j] = x[s + b + 2 * j + 1];
                }
            }
        }
    }

    /** The fixed-order total of even and odd accumulators (lane 0 first: no reduction left to the JIT). */
    private static float total(FloatVector even, FloatVector odd) {
        FloatVector v = ExactType.of(F, even.add(odd));
        float s = 0;
        for (int i = 0; i < L; i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** out[o0 + t·ostride] = row · xp[x0 + t·k ..] for t in [0, nt), nt ≤ 4, the bf16 row copied to ws. */
    static void dotRows(short[] ws, int k, float[] xp, int x0, int nt, float[] out, int o0, int ostride) {
        switch (nt) {
            case 4 -> x4(ws, k, xp, x0, out, o0, ostride);
            case 3 -> {
                x2(ws, k, xp, x0, out, o0, ostride);
                out[o0 + 2 * ostride] = x1(ws, k, xp, x0 + 2 * k);
            }
            case 2 -> x2(ws, k, xp, x0, out, o0, ostride);
            default -> out[o0] = x1(ws, k, xp, x0);
        }
    }

    private static float x1(short[] ws, int k, float[] xp, int x0) {
        FloatVector e = FloatVector.zero(F);
        FloatVector o = FloatVector.zero(F);
        for (int i = 0; i < k; i += 16) {
            IntVector p = ShortVector.fromArray(S, ws, i).reinterpretAsInts();
            e = FloatVector.fromArray(F, xp, x0 + i).fma(p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), e);
            o = FloatVector.fromArray(F, xp, x0 + i + 8).fma(p.and(0xFFFF0000).reinterpretAsFloats(), o);
        }
        return total(e, o);
    }

    private static void x2(short[] ws, int k, float[] xp, int x0, float[] out, int o0, int ostride) {
        FloatVector e0 = FloatVector.zero(F);
        FloatVector o0v = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F);
        FloatVector o1 = FloatVector.zero(F);
        int x1 = x0 + k;
        for (int i = 0; i < k; i += 16) {
            IntVector p = ShortVector.fromArray(S, ws, i).reinterpretAsInts();
            FloatVector we = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector wo = p.and(0xFFFF0000).reinterpretAsFloats();
            e0 = FloatVector.fromArray(F, xp, x0 + i).fma(we, e0);
            o0v = FloatVector.fromArray(F, xp, x0 + i + 8).fma(wo, o0v);
            e1 = FloatVector.fromArray(F, xp, x1 + i).fma(we, e1);
            o1 = FloatVector.fromArray(F, xp, x1 + i + 8).fma(wo, o1);
        }
        out[o0] = total(e0, o0v);
        out[o0 + ostride] = total(e1, o1);
    }

    private static void x4(short[] ws, int k, float[] xp, int x0, float[] out, int o0, int ostride) {
        FloatVector e0 = FloatVector.zero(F);
        FloatVector d0 = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F);
        FloatVector d1 = FloatVector.zero(F);
        FloatVector e2 = FloatVector.zero(F);
        FloatVector d2 = FloatVector.zero(F);
        FloatVector e3 = FloatVector.zero(F);
        FloatVector d3 = FloatVector.zero(F);
        int x1 = x0 + k;
        int x2 = x1 + k;
        int x3 = x2 + k;
        for (int i = 0; i < k; i += 16) {
            IntVector p = ShortVector.fromArray(S, ws, i).reinterpretAsInts();
            FloatVector we = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector wo = p.and(0xFFFF0000).reinterpretAsFloats();
            e0 = FloatVector.fromArray(F, xp, x0 + i).fma(we, e0);
            d0 = FloatVector.fromArray(F, xp, x0 + i + 8).fma(wo, d0);
            e1 = FloatVector.fromArray(F, xp, x1 + i).fma(we, e1);
            d1 = FloatVector.fromArray(F, xp, x1 + i + 8).fma(wo, d1);
            e2 = FloatVector.fromArray(F, xp, x2 + i).fma(we, e2);
            d2 = FloatVector.fromArray(F, xp, x2 + i + 8).fma(wo, d2);
            e3 = FloatVector.fromArray(F, xp, x3 + i).fma(we, e3);
            d3 = FloatVector.fromArray(F, xp, x3 + i + 8).fma(wo, d3);
        }
        out[o0] = total(e0, d0);
        out[o0 + ostride] = total(e1, d1);
        out[o0 + 2 * ostride] = total(e2, d2);
        out[o0 + 3 * ostride] = total(e3, d3);
    }
}
