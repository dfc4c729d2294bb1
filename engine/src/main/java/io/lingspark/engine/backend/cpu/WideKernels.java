package io.lingspark.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The bf16 products of {@link PairKernels} on 16-lane (AVX-512) registers, register-blocked: a tile
 * of n ≤ 4 tokens × 4 weight rows keeps 4n accumulators in registers and widens each weight block once
 * for its n tokens (4-token tiles read the rows widened once per copy, {@link #widen}). The tile's 4
 * rows are first copied next to the core (one bulk copy out of the mapped checkpoint): measured on
 * one core over 48 MB of weights, reading 4 rows in place with vector
 * loads ran at 9.2 GB/s for one token, copying first at 27.9 GB/s (the in-place pair kernel: 14.9).
 *
 * <p>Same arithmetic as the pair kernels, bit for bit. There, per block of 16 elements, the even
 * element 2j meets accumulator e[j] and the odd element 2j+1 meets o[j], and the result is
 * Σ_j (e[j] + o[j]) summed from j = 0. Here one 16-lane accumulator takes element i in lane i (bf16
 * widened in natural order, x read in natural order), so lane 2j is e[j] and lane 2j+1 is o[j]: the
 * same FMA chains in the same k order, and {@link #total} adds them in the same order. A token's
 * result is therefore the same whether it is computed alone, in a tile of any height, or by the pair
 * kernels.
 *
 * <p>On where the JIT has native 512-bit float vectors (elsewhere a 512-bit species would run as slow
 * Java code); {@code -Dlingspark.cpu.wide=false} turns it off, {@code =force} on anywhere (tests). Each
 * tile height is its own method, so decode (1-3 tokens an expert) never runs code compiled for
 * prefill's profile, and {@link KernelWarmup} compiles all of them while the weights load.
 */
final class WideKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;

    /**
     * Whether the tiles are used: 16-float vectors native (AVX-512) and not turned off, or forced
     * ({@code -Dlingspark.cpu.wide=force}: for tests, so machines without AVX-512 run the whole engine on
     * the path AVX-512 machines take, in the Vector API's Java fallback, tens of times slower).
     */
    static final boolean AVAILABLE = available(System.getProperty("lingspark.cpu.wide", "true"),
        FloatVector.SPECIES_PREFERRED.length() >= 16);

    /** "force": on; otherwise on where 512-bit vectors are native, unless the setting is not "true" (any case). */
    static boolean available(String setting, boolean native512) {
        return "force".equalsIgnoreCase(setting) || (native512 && Boolean.parseBoolean(setting));
    }

    /** Token rows held at once: 64 rows of up to 2816 floats stay in L2 while weight tiles stream past. */
    static final int TOKEN_BLOCK = 64;

    private WideKernels() {
    }

    /** 16 bf16 values at w[off..off+16) widened to fp32 in natural order (bf16 = top half of fp32). */
    private static FloatVector widenAt(short[] w, int off) {
        return ((IntVector) ShortVector.fromArray(S, w, off).convertShape(VectorOperators.S2I, I, 0))
            .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * bf16 w[0 .. n) widened to fp32 into wf (bf16 = top half of fp32), n % 16 == 0: each weight value
     * is widened once per copy, not once per token tile (a prefill tile row meets 16 token tiles),
     * and the tiles' inner loops are plain loads and fmas, small enough for C2 to compile whole.
     */
    static void widen(short[] w, int n, float[] wf) {
        for (int i = 0; i < n; i += 16) {
            ExactType.of(F, widenAt(w, i)).intoArray(wf, i);
        }
    }

    /** The pair kernels' total: Σ_j (lane 2j + lane 2j+1), j from 0 (no reduction order left to the JIT). */
    static float total(FloatVector acc, float[] tmp) {
        ExactType.of(F, acc).intoArray(tmp, 0);
        float s = 0;
        for (int j = 0; j < 16; j += 2) {
            s += tmp[j] + tmp[j + 1];
        }
        return s;
    }

    /** Where {@link #pairSums} puts its results in the tile's scratch (after 16 accumulators and a lane of slack). */
    static final int PAIRS = 16 * 16 + 16;
    /** Scratch floats a 4×4 tile needs. */
    static final int TILE_SCRATCH = PAIRS + 16 * 16;

    /**
     * For the 16 accumulators stored at tmp[16·r ..): lane 2j of tmp[PAIRS + 16·r ..) = lane 2j + lane 2j+1,
     * with one vector add per accumulator (its lanes against the same lanes shifted by one), so the
     * totals then add 8 numbers each instead of 16, in the same order with the same roundings.
     */
    private static void pairSums(float[] tmp) {
        for (int r = 0; r < 16; r++) {
            ExactType.of(F, FloatVector.fromArray(F, tmp, 16 * r).add(FloatVector.fromArray(F, tmp, 16 * r + 1)))
                .intoArray(tmp, PAIRS + 16 * r);
        }
    }

    /** Σ_j p[at + 2j], j from 0: the pair kernels' total from precomputed pair sums. */
    private static float pairTotal(float[] p, int at) {
        float s = 0;
        for (int j = 0; j < 16; j += 2) {
            s += p[at + j];
        }
        return s;
    }

    /**
     * out[t·n + r] = x[t·k ..] · w[r] for tokens t in [0, nt) and rows r in [n0, n1), k % 16 == 0:
     * rows 4 at a time within a part of the weight, tokens in blocks of {@link #TOKEN_BLOCK}.
     */
    static void rows(float[] x, int nt, CpuWeight w, float[] out, int n0, int n1, short[] wrow, float[] wf,
                     float[] tmp) {
        int k = w.cols;
        int n = w.rows;
        for (int tb = 0; tb < nt; tb += TOKEN_BLOCK) {
            int te = Math.min(nt, tb + TOKEN_BLOCK);
            int r = n0;
            for (; r + 4 <= n1; r += 4) {
                w.bf16Rows(r, 4, wrow); // copied next to the core: reading 4 rows in place ran at half speed
                if (te - tb >= 4) { // 4-token tiles ahead: widen the rows once for all of them
                    widen(wrow, 4 * k, wf);
                }
                int t = tb;
                for (; t + 4 <= te; t += 4) {
                    tile4x4(wf, 0, k, k, x, t * k, out, t * n + r, n, tmp);
                }
                switch (te - t) {
                    case 3 -> tile3x4(wrow, 0, k, k, x, t * k, out, t * n + r, n, tmp);
                    case 2 -> tile2x4(wrow, 0, k, k, x, t * k, out, t * n + r, n, tmp);
                    case 1 -> tile1x4(wrow, 0, k, k, x, t * k, out, t * n + r, tmp);
                    default -> { }
                }
            }
            for (; r < n1; r++) { // rows left at the end of the range
                w.bf16Rows(r, 1, wrow);
                for (int t = tb; t < te; t++) {
                    out[t * n + r] = dot1(wrow, 0, k, x, t * k, tmp);
                }
            }
        }
    }

    static float dot1(short[] b, int off, int k, float[] x, int x0, float[] tmp) {
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < k; i += 16) {
            a = FloatVector.fromArray(F, x, x0 + i).fma(widenAt(b, off + i), a);
        }
        return total(a, tmp);
    }

    /** One token against rows at off, off + rs, ... (4 rows): out[o0 + 0..3]. */
    private static void tile1x4(short[] b, int off, int rs, int k, float[] x, int x0, float[] out, int o0,
                                float[] tmp) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < k; i += 16) {
            int o = off + i;
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            a0 = xv.fma(widenAt(b, o), a0);
            a1 = xv.fma(widenAt(b, o + rs), a1);
            a2 = xv.fma(widenAt(b, o + 2 * rs), a2);
            a3 = xv.fma(widenAt(b, o + 3 * rs), a3);
        }
        out[o0] = total(a0, tmp);
        out[o0 + 1] = total(a1, tmp);
        out[o0 + 2] = total(a2, tmp);
        out[o0 + 3] = total(a3, tmp);
    }

    /** 2 tokens (x rows x0, x0 + k) × 4 rows: out[o0 + t·ostride + j]. */
    private static void tile2x4(short[] b, int off, int rs, int k, float[] x, int x0, float[] out, int o0,
                                int ostride, float[] tmp) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        int x1 = x0 + k;
        for (int i = 0; i < k; i += 16) {
            int o = off + i;
            FloatVector w0 = widenAt(b, o);
            FloatVector w1 = widenAt(b, o + rs);
            FloatVector w2 = widenAt(b, o + 2 * rs);
            FloatVector w3 = widenAt(b, o + 3 * rs);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            a00 = xv.fma(w0, a00);
            a01 = xv.fma(w1, a01);
            a02 = xv.fma(w2, a02);
            a03 = xv.fma(w3, a03);
            xv = FloatVector.fromArray(F, x, x1 + i);
            a10 = xv.fma(w0, a10);
            a11 = xv.fma(w1, a11);
            a12 = xv.fma(w2, a12);
            a13 = xv.fma(w3, a13);
        }
        int o1 = o0 + ostride;
        out[o0] = total(a00, tmp);
        out[o0 + 1] = total(a01, tmp);
        out[o0 + 2] = total(a02, tmp);
        out[o0 + 3] = total(a03, tmp);
        out[o1] = total(a10, tmp);
        out[o1 + 1] = total(a11, tmp);
        out[o1 + 2] = total(a12, tmp);
        out[o1 + 3] = total(a13, tmp);
    }

    /** 3 tokens × 4 rows: out[o0 + t·ostride + j]. */
    private static void tile3x4(short[] b, int off, int rs, int k, float[] x, int x0, float[] out, int o0,
                                int ostride, float[] tmp) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        int x1 = x0 + k;
        int x2 = x1 + k;
        for (int i = 0; i < k; i += 16) {
            int o = off + i;
            FloatVector w0 = widenAt(b, o);
            FloatVector w1 = widenAt(b, o + rs);
            FloatVector w2 = widenAt(b, o + 2 * rs);
            FloatVector w3 = widenAt(b, o + 3 * rs);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            a00 = xv.fma(w0, a00);
            a01 = xv.fma(w1, a01);
            a02 = xv.fma(w2, a02);
            a03 = xv.fma(w3, a03);
            xv = FloatVector.fromArray(F, x, x1 + i);
            a10 = xv.fma(w0, a10);
            a11 = xv.fma(w1, a11);
            a12 = xv.fma(w2, a12);
            a13 = xv.fma(w3, a13);
            xv = FloatVector.fromArray(F, x, x2 + i);
            a20 = xv.fma(w0, a20);
            a21 = xv.fma(w1, a21);
            a22 = xv.fma(w2, a22);
            a23 = xv.fma(w3, a23);
        }
        int o1 = o0 + ostride;
        int o2 = o1 + ostride;
        out[o0] = total(a00, tmp);
        out[o0 + 1] = total(a01, tmp);
        out[o0 + 2] = total(a02, tmp);
        out[o0 + 3] = total(a03, tmp);
        out[o1] = total(a10, tmp);
        out[o1 + 1] = total(a11, tmp);
        out[o1 + 2] = total(a12, tmp);
        out[o1 + 3] = total(a13, tmp);
        out[o2] = total(a20, tmp);
        out[o2 + 1] = total(a21, tmp);
        out[o2 + 2] = total(a22, tmp);
        out[o2 + 3] = total(a23, tmp);
    }

    /**
     * 4 tokens (x rows x0 + t·k) × 4 rows of widened weights (fp32 at b): 16 accumulators, each weight
     * block loaded once for the 4 tokens. out[o0 + t·ostride + j] for token t, row j.
     */
    private static void tile4x4(float[] b, int off, int rs, int k, float[] x, int x0, float[] out, int o0,
                                int ostride, float[] tmp) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int x1 = x0 + k;
        int x2 = x1 + k;
        int x3 = x2 + k;
        for (int i = 0; i < k; i += 16) {
            int o = off + i;
            FloatVector w0 = FloatVector.fromArray(F, b, o);
            FloatVector w1 = FloatVector.fromArray(F, b, o + rs);
            FloatVector w2 = FloatVector.fromArray(F, b, o + 2 * rs);
            FloatVector w3 = FloatVector.fromArray(F, b, o + 3 * rs);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            a00 = xv.fma(w0, a00);
            a01 = xv.fma(w1, a01);
            a02 = xv.fma(w2, a02);
            a03 = xv.fma(w3, a03);
            xv = FloatVector.fromArray(F, x, x1 + i);
            a10 = xv.fma(w0, a10);
            a11 = xv.fma(w1, a11);
            a12 = xv.fma(w2, a12);
            a13 = xv.fma(w3, a13);
            xv = FloatVector.fromArray(F, x, x2 + i);
            a20 = xv.fma(w0, a20);
            a21 = xv.fma(w1, a21);
            a22 = xv.fma(w2, a22);
            a23 = xv.fma(w3, a23);
            xv = FloatVector.fromArray(F, x, x3 + i);
            a30 = xv.fma(w0, a30);
            a31 = xv.fma(w1, a31);
            a32 = xv.fma(w2, a32);
            a33 = xv.fma(w3, a33);
        }
        ExactType.of(F, a00).intoArray(tmp, 0);
        ExactType.of(F, a01).intoArray(tmp, 16);
        ExactType.of(F, a02).intoArray(tmp, 32);
        ExactType.of(F, a03).intoArray(tmp, 48);
        ExactType.of(F, a10).intoArray(tmp, 64);
        ExactType.of(F, a11).intoArray(tmp, 80);
        ExactType.of(F, a12).intoArray(tmp, 96);
        ExactType.of(F, a13).intoArray(tmp, 112);
        ExactType.of(F, a20).intoArray(tmp, 128);
        ExactType.of(F, a21).intoArray(tmp, 144);
        ExactType.of(F, a22).intoArray(tmp, 160);
        ExactType.of(F, a23).intoArray(tmp, 176);
        ExactType.of(F, a30).intoArray(tmp, 192);
        ExactType.of(F, a31).intoArray(tmp, 208);
        ExactType.of(F, a32).intoArray(tmp, 224);
        ExactType.of(F, a33).intoArray(tmp, 240);
        pairSums(tmp);
        for (int t = 0; t < 4; t++) {
            int o = o0 + t * ostride;
            for (int j = 0; j < 4; j++) {
                out[o + j] = pairTotal(tmp, PAIRS + 16 * (4 * t + j));
            }
        }
    }
}
