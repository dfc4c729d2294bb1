package io.lingspark.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PairKernels}' arithmetic on 8-lane (AVX2) registers, 4 weight rows at a time, for machines
 * without AVX-512 (where {@link WideKernels} take the bf16 products): the 4 rows are copied next to the
 * core in one bulk copy out of the mapped checkpoint and run against one token at a time with 8
 * accumulators (an even and an odd one per row), so each activation block is loaded once for 4 rows
 * where the one-row kernels reload it for every row, and the rows' bf16 pairs are split into even and
 * odd fp32 values in registers (a shift and a mask), as the pair kernels do.
 *
 * <p>Measured on the 2-core AMD EPYC (Zen 3, AVX2) development machine, one thread, a 1024 × 1024
 * weight (2 MB, from L3), GFLOP/s against the one-row kernels: 64 tokens 19-22 → 54-55, 16 tokens
 * 19-22 → 54, 3 tokens 23-25 → 42-43, 2 tokens 29-31 → 38-39, one token 104-115 → 72-73 µs (rows read
 * in place from the mapped buffer → 4 copied rows). Tried and slower: 2 rows × 3 tokens on rows
 * widened to fp32 once per copy (12 accumulators; 35-38 GFLOP/s, 10 loads per 12 fmas), and 6 rows
 * (12 accumulators and the activations no longer fit the 16 registers: spilled, 32 against 58 with
 * everything in L1).
 *
 * <p>Same numbers as the pair kernels, bit for bit: the activations are in pair order
 * ({@link PairKernels#order}), each accumulator lane is the same fma chain in the same k order, and
 * {@link #sum8} sums a row's lanes as the pair kernels do (WideKernelsTest).
 */
final class PairTiles {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final int L = 8;

    private PairTiles() {
    }

    /** The pair kernels' total of one output from its (even + odd) lanes at tmp[at, at + 8): summed from lane 0. */
    private static float sum8(float[] tmp, int at) {
        float s = 0;
        for (int i = 0; i < L; i++) {
            s += tmp[at + i];
        }
        return s;
    }

    /**
     * One token (xp in pair order at x0) against 4 bf16 rows copied next to the core (ws, rows k apart):
     * out[o0 + j]. The accumulators are stored in line before the lane totals: a total method per
     * accumulator left C2 calling the store out of line.
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
