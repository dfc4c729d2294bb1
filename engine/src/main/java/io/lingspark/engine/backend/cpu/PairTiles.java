package io.lingspark.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PairKernels}' arithmetic register-blocked on 8-lane (AVX2) registers, for machines without
 * AVX-512 (where {@link WideKernels} take the bf16 products): a tile of 2 weight rows × up to 3 tokens
 * keeps its 12 accumulators (an even and an odd one per row and token) in registers, so each weight
 * block is loaded once for 3 tokens and each activation block once for 2 rows, where the pair kernels
 * reload the activations for every row (9 loads per 8 fmas, and the activations come from L2). One
 * token (decode) runs 4 rows copied next to the core at once ({@link #rows4x1}).
 *
 * <p>Measured on the 2-core AMD EPYC (Zen 3, AVX2) development machine, one thread, 1024 × 1024
 * weight: 64 tokens 18.7-21.9 → 35.7-38.2 GFLOP/s, 16 tokens 19-22 → 32.7-34.8, one token 104-115 →
 * 69-71 µs (reading rows in place from the mapped buffer → 4 copied rows). The tile itself with
 * everything in L1 runs ~40 GFLOP/s against ~104 for a loop of fmas alone: 10 loads per 12 fmas, where
 * 2 loads per 6 fmas ran 76.
 *
 * <p>Same numbers as the pair kernels, bit for bit: the rows are widened once per 2-row copy into pair
 * order (per block of 16 elements, the 8 even ones, then the 8 odd ones: the shift and the mask the
 * pair kernels apply to each pair of bf16 values), the activations are in pair order too
 * ({@link PairKernels#order}), so each accumulator lane is the same fma chain in the same k order, and
 * {@link #total} sums a row's lanes as the pair kernels do.
 */
final class PairTiles {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final int L = 8;

    /** Rows a tile holds: 2 rows × 3 tokens × 2 accumulators + 2 weight vectors + 1 activation fit 16 registers. */
    static final int ROWS = 2;
    /** Tokens a tile holds. */
    static final int TOKENS = 3;

    private PairTiles() {
    }

    /** bf16 w[0 .. n) to fp32 in pair order into wf, n % 16 == 0: per 16, the even elements, then the odd ones. */
    static void widen(short[] w, int n, float[] wf) {
        for (int i = 0; i < n; i += 16) {
            IntVector p = ShortVector.fromArray(S, w, i).reinterpretAsInts();
            ExactType.of(F, p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).intoArray(wf, i);
            ExactType.of(F, p.and(0xFFFF0000).reinterpretAsFloats()).intoArray(wf, i + L);
        }
    }

    /**
     * The pair kernels' total of one output from its (even + odd) lanes at tmp[at, at + 8): summed from
     * lane 0. The tiles store every accumulator first, in line: a total method per accumulator left
     * C2 calling the store out of line (a sixth of a prefill's samples in the bounds check).
     */
    private static float sum8(float[] tmp, int at) {
        float s = 0;
        for (int i = 0; i < L; i++) {
            s += tmp[at + i];
        }
        return s;
    }

    /**
     * out[o0 + t·ostride + j] = row j · token t for rows j < 2 of wf (pair order, rows k apart) and
     * tokens t < nt ≤ 3 of xp (pair order, rows k apart from x0).
     */
    static void tile(float[] wf, int k, float[] xp, int x0, int nt, float[] out, int o0, int ostride, float[] tmp) {
        switch (nt) {
            case 3 -> tile2x3(wf, k, xp, x0, out, o0, ostride, tmp);
            case 2 -> tile2x2(wf, k, xp, x0, out, o0, ostride, tmp);
            default -> tile2x1(wf, k, xp, x0, out, o0, tmp);
        }
    }

    private static void tile2x1(float[] wf, int k, float[] xp, int x0, float[] out, int o0, float[] tmp) {
        FloatVector e0 = FloatVector.zero(F), d0 = e0, e1 = e0, d1 = e0;
        for (int i = 0; i < k; i += 16) {
            FloatVector xe = FloatVector.fromArray(F, xp, x0 + i);
            e0 = xe.fma(FloatVector.fromArray(F, wf, i), e0);
            e1 = xe.fma(FloatVector.fromArray(F, wf, k + i), e1);
            FloatVector xo = FloatVector.fromArray(F, xp, x0 + i + L);
            d0 = xo.fma(FloatVector.fromArray(F, wf, i + L), d0);
            d1 = xo.fma(FloatVector.fromArray(F, wf, k + i + L), d1);
        }
        ExactType.of(F, e0.add(d0)).intoArray(tmp, 0);
        ExactType.of(F, e1.add(d1)).intoArray(tmp, 8);
        out[o0] = sum8(tmp, 0);
        out[o0 + 1] = sum8(tmp, 8);
    }

    private static void tile2x2(float[] wf, int k, float[] xp, int x0, float[] out, int o0, int ostride,
                                float[] tmp) {
        FloatVector e00 = FloatVector.zero(F), d00 = e00, e01 = e00, d01 = e00;
        FloatVector e10 = e00, d10 = e00, e11 = e00, d11 = e00;
        int x1 = x0 + k;
        for (int i = 0; i < k; i += 16) {
            FloatVector w0 = FloatVector.fromArray(F, wf, i);
            FloatVector w1 = FloatVector.fromArray(F, wf, k + i);
            FloatVector xv = FloatVector.fromArray(F, xp, x0 + i);
            e00 = xv.fma(w0, e00);
            e01 = xv.fma(w1, e01);
            xv = FloatVector.fromArray(F, xp, x1 + i);
            e10 = xv.fma(w0, e10);
            e11 = xv.fma(w1, e11);
            w0 = FloatVector.fromArray(F, wf, i + L);
            w1 = FloatVector.fromArray(F, wf, k + i + L);
            xv = FloatVector.fromArray(F, xp, x0 + i + L);
            d00 = xv.fma(w0, d00);
            d01 = xv.fma(w1, d01);
            xv = FloatVector.fromArray(F, xp, x1 + i + L);
            d10 = xv.fma(w0, d10);
            d11 = xv.fma(w1, d11);
        }
        ExactType.of(F, e00.add(d00)).intoArray(tmp, 0);
        ExactType.of(F, e01.add(d01)).intoArray(tmp, 8);
        ExactType.of(F, e10.add(d10)).intoArray(tmp, 16);
        ExactType.of(F, e11.add(d11)).intoArray(tmp, 24);
        out[o0] = sum8(tmp, 0);
        out[o0 + 1] = sum8(tmp, 8);
        out[o0 + ostride] = sum8(tmp, 16);
        out[o0 + ostride + 1] = sum8(tmp, 24);
    }

    private static void tile2x3(float[] wf, int k, float[] xp, int x0, float[] out, int o0, int ostride,
                                float[] tmp) {
        FloatVector e00 = FloatVector.zero(F), d00 = e00, e01 = e00, d01 = e00;
        FloatVector e10 = e00, d10 = e00, e11 = e00, d11 = e00;
        FloatVector e20 = e00, d20 = e00, e21 = e00, d21 = e00;
        int x1 = x0 + k;
        int x2 = x1 + k;
        for (int i = 0; i < k; i += 16) {
            FloatVector w0 = FloatVector.fromArray(F, wf, i);
            FloatVector w1 = FloatVector.fromArray(F, wf, k + i);
            FloatVector xv = FloatVector.fromArray(F, xp, x0 + i);
            e00 = xv.fma(w0, e00);
            e01 = xv.fma(w1, e01);
            xv = FloatVector.fromArray(F, xp, x1 + i);
            e10 = xv.fma(w0, e10);
            e11 = xv.fma(w1, e11);
            xv = FloatVector.fromArray(F, xp, x2 + i);
            e20 = xv.fma(w0, e20);
            e21 = xv.fma(w1, e21);
            w0 = FloatVector.fromArray(F, wf, i + L);
            w1 = FloatVector.fromArray(F, wf, k + i + L);
            xv = FloatVector.fromArray(F, xp, x0 + i + L);
            d00 = xv.fma(w0, d00);
            d01 = xv.fma(w1, d01);
            xv = FloatVector.fromArray(F, xp, x1 + i + L);
            d10 = xv.fma(w0, d10);
            d11 = xv.fma(w1, d11);
            xv = FloatVector.fromArray(F, xp, x2 + i + L);
            d20 = xv.fma(w0, d20);
            d21 = xv.fma(w1, d21);
        }
        int o1 = o0 + ostride;
        int o2 = o1 + ostride;
        ExactType.of(F, e00.add(d00)).intoArray(tmp, 0);
        ExactType.of(F, e01.add(d01)).intoArray(tmp, 8);
        ExactType.of(F, e10.add(d10)).intoArray(tmp, 16);
        ExactType.of(F, e11.add(d11)).intoArray(tmp, 24);
        ExactType.of(F, e20.add(d20)).intoArray(tmp, 32);
        ExactType.of(F, e21.add(d21)).intoArray(tmp, 40);
        out[o0] = sum8(tmp, 0);
        out[o0 + 1] = sum8(tmp, 8);
        out[o1] = sum8(tmp, 16);
        out[o1 + 1] = sum8(tmp, 24);
        out[o2] = sum8(tmp, 32);
        out[o2 + 1] = sum8(tmp, 40);
    }


    /**
     * One token (xp in pair order at x0) against 4 bf16 rows copied next to the core (ws, rows k apart):
     * out[o0 + j]. Decode's streaming loop: a bulk copy out of the mapped file ran twice as fast as
     * vector loads from it, and the 4 rows share each activation load.
     */
    static void rows4x1(short[] ws, int k, float[] xp, int x0, float[] out, int o0, float[] tmp) {
        FloatVector e0 = FloatVector.zero(F), d0 = e0, e1 = e0, d1 = e0, e2 = e0, d2 = e0, e3 = e0, d3 = e0;
        int k2 = 2 * k;
        int k3 = 3 * k;
        for (int i = 0; i < k; i += 16) {
            FloatVector xe = FloatVector.fromArray(F, xp, x0 + i);
            FloatVector xo = FloatVector.fromArray(F, xp, x0 + i + L);
            IntVector p = ShortVector.fromArray(S, ws, i).reinterpretAsInts();
            e0 = xe.fma(p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), e0);
            d0 = xo.fma(p.and(0xFFFF0000).reinterpretAsFloats(), d0);
            p = ShortVector.fromArray(S, ws, k + i).reinterpretAsInts();
            e1 = xe.fma(p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), e1);
            d1 = xo.fma(p.and(0xFFFF0000).reinterpretAsFloats(), d1);
            p = ShortVector.fromArray(S, ws, k2 + i).reinterpretAsInts();
            e2 = xe.fma(p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), e2);
            d2 = xo.fma(p.and(0xFFFF0000).reinterpretAsFloats(), d2);
            p = ShortVector.fromArray(S, ws, k3 + i).reinterpretAsInts();
            e3 = xe.fma(p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), e3);
            d3 = xo.fma(p.and(0xFFFF0000).reinterpretAsFloats(), d3);
        }
        ExactType.of(F, e0.add(d0)).intoArray(tmp, 0);
        ExactType.of(F, e1.add(d1)).intoArray(tmp, 8);
        ExactType.of(F, e2.add(d2)).intoArray(tmp, 16);
        ExactType.of(F, e3.add(d3)).intoArray(tmp, 24);
        out[o0] = sum8(tmp, 0);
        out[o0 + 1] = sum8(tmp, 8);
        out[o0 + 2] = sum8(tmp, 16);
        out[o0 + 3] = sum8(tmp, 24);
    }
}
