package io.lingspark.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU matrix product: each weight row is fetched once per block of 64 tokens and reused for every
 * token of the block, which is what turns prefill into matrix-matrix work. BF16 rows take the wide
 * tiles ({@link WideKernels}) where AVX-512 is native, else the pair-order kernels ({@link PairTiles}
 * and {@link PairKernels}); all give the same numbers. FP8 rows are dequantised into a per-thread
 * scratch row first and then take the fp32 path.
 */
final class MatmulKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final int L = F.length(); // 8 lanes
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<short[]> ROW = ThreadLocal.withInitial(() -> new short[0]);
    private static final ThreadLocal<byte[]> BYTES = ThreadLocal.withInitial(() -> new byte[0]);

    private MatmulKernels() {
    }

    /** 8 BF16 values at w[off..off+8) widened to fp32 (bf16 is the top half of an fp32). */
    private static FloatVector widen(short[] w, int off) {
        return ((IntVector) ShortVector.fromArray(S, w, off).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** A per-thread fp32 row of at least n floats (FP8 dequantisation, the wide tiles' widened rows). */
    static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length < n) {
            s = new float[n];
            SCRATCH.set(s);
        }
        return s;
    }

    /** A per-thread bf16 row of at least n values (a mapped row copied next to the cores). */
    static short[] rowScratch(int n) {
        short[] s = ROW.get();
        if (s.length < n) {
            s = new short[n];
            ROW.set(s);
        }
        return s;
    }

    /** A per-thread byte row of at least n bytes (an FP8 row copied out of the mapped file). */
    static byte[] byteScratch(int n) {
        byte[] s = BYTES.get();
        if (s.length < n) {
            s = new byte[n];
            BYTES.set(s);
        }
        return s;
    }

    /**
     * The kernel on a row held in an array, bf16 (ws) or fp32 (wf), for nt ≤ 4 tokens. bf16 rows come
     * here only when k is not a multiple of 16 (else {@link PairKernels}) and for MLA's per-row
     * products: each token is its own single-accumulator dot product, so its result does not depend
     * on how many tokens share the call. fp32 rows (and dequantised FP8 ones) share one weight load
     * across the tokens, each with its own accumulator.
     */
    static void dotRows(short[] ws, float[] wf, int wOff, int k, float[] x, int x0, int xs, int nt, float[] out,
                        int o0, int ostride) {
        if (ws == null) {
            dotF32(wf, wOff, k, x, x0, xs, nt, out, o0, ostride);
            return;
        }
        for (int t = 0; t < nt; t++) {
            out[o0 + t * ostride] = dotBf16x1(ws, wOff, k, x, x0 + t * xs);
        }
    }

    private static float tail(short[] ws, int wOff, int kv, int k, float[] x, int x0, float s) {
        for (int i = kv; i < k; i++) { // scalar tail when K is not a multiple of 8
            s += x[x0 + i] * Float.intBitsToFloat((ws[wOff + i] & 0xffff) << 16);
        }
        return s;
    }

    /** One token against a bf16 row: one accumulator, in k order, then the scalar tail. */
    private static float dotBf16x1(short[] ws, int wOff, int k, float[] x, int x0) {
        int kv = k - k % L;
        FloatVector a0 = FloatVector.zero(F);
        for (int i = 0; i < kv; i += L) {
            a0 = FloatVector.fromArray(F, x, x0 + i).fma(widen(ws, wOff + i), a0);
        }
        return tail(ws, wOff, kv, k, x, x0, ExactType.of(F, a0).reduceLanes(VectorOperators.ADD));
    }

    private static void dotF32(float[] wf, int wOff, int k, float[] x, int x0, int xs, int nt, float[] out, int o0,
                               int ostride) {
        for (int t = 0; t < nt; t++) {
            out[o0 + t * ostride] = dotF32x1(wf, wOff, k, x, x0 + t * xs);
        }
    }

    /**
     * One token against an fp32 row (F32 weights, and FP8 rows dequantised): four fma chains over
     * interleaved chunks, so the core is not waiting on one chain's latency (one chain left a decode
     * step on FP8 weights mostly idle), summed in a fixed order, then the scalar tail. Every token
     * takes this same order whatever the number of tokens in the call: a token's result does not
     * depend on its batch.
     */
    private static float dotF32x1(float[] wf, int wOff, int k, float[] x, int x0) {
        int kv = k - k % L;
        int k4 = kv - kv % (4 * L);
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        for (int i = 0; i < k4; i += 4 * L) {
            c0 = FloatVector.fromArray(F, x, x0 + i).fma(FloatVector.fromArray(F, wf, wOff + i), c0);
            c1 = FloatVector.fromArray(F, x, x0 + i + L).fma(FloatVector.fromArray(F, wf, wOff + i + L), c1);
            c2 = FloatVector.fromArray(F, x, x0 + i + 2 * L).fma(FloatVector.fromArray(F, wf, wOff + i + 2 * L), c2);
            c3 = FloatVector.fromArray(F, x, x0 + i + 3 * L).fma(FloatVector.fromArray(F, wf, wOff + i + 3 * L), c3);
        }
        for (int i = k4; i < kv; i += L) { // at most three chunks left: into the first chain
            c0 = FloatVector.fromArray(F, x, x0 + i).fma(FloatVector.fromArray(F, wf, wOff + i), c0);
        }
        float s = ExactType.of(F, c0.add(c1).add(c2.add(c3))).reduceLanes(VectorOperators.ADD);
        for (int i = kv; i < k; i++) {
            s += x[x0 + i] * wf[wOff + i];
        }
        return s;
    }

    /**
     * out[t, n] = x[t, :] · w[n, :] for rows n in [n0, n1) and all T tokens: tokens in blocks of 64
     * so the block's activations stay in L2 while the weight rows stream past.
     */
    static void matmulRows(float[] x, int t, CpuWeight w, float[] out, int n0, int n1) {
        matmulRows(x, null, t, w, out, n0, n1);
    }

    /**
     * x in pair order ({@link PairKernels#order}) when the pair kernels will take w's rows on this machine,
     * else null: a product split into row ranges orders its activations once, not once per range (at
     * batch 16 the reordering, scalar, was 7 % of a decode step's samples). A per-thread buffer: valid
     * until the calling thread's next call.
     */
    static float[] pairOrdered(float[] x, int t, CpuWeight w) {
        if (!takesPairOrder(w)) {
            return null;
        }
        float[] xp = ORDERED.get();
        if (xp.length < t * w.cols) {
            xp = new float[t * w.cols];
            ORDERED.set(xp);
        }
        PairKernels.order(x, 0, t, w.cols, xp);
        return xp;
    }

    /** Whether w's rows take the pair-order kernels on this machine (bf16 in whole blocks of 16, no AVX-512). */
    static boolean takesPairOrder(CpuWeight w) {
        return w.bf16() && PairKernels.fits(w.cols) && !WideKernels.AVAILABLE;
    }

    private static final ThreadLocal<float[]> ORDERED = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * {@link #matmulRows(float[], int, CpuWeight, float[], int, int)} with x already in pair order where
     * {@link #pairOrdered} gave it (else null).
     */
    static void matmulRows(float[] x, float[] ordered, int t, CpuWeight w, float[] out, int n0, int n1) {
        int k = w.cols;
        int n = w.rows;
        if (w.q8 != null) {
            Q8Kernels.rows(x, t, w, out, n0, n1);
            return;
        }
        if (w.bf16() && PairKernels.fits(k)) {
            if (WideKernels.AVAILABLE) { // same numbers as pairRows: register tiles on 16-float vectors, any token count
                WideKernels.rows(x, t, w, out, n0, n1, rowScratch(4 * k), scratch(4 * k), lanes());
                return;
            }
            pairRows(x, ordered, t, w, out, n0, n1, PAIR_TILES);
            return;
        }
        boolean fp8 = w.f32 == null && !w.bf16();
        boolean bf16 = w.bf16();
        float[] frow = fp8 ? scratch(k) : null;
        short[] brow = bf16 ? rowScratch(k) : null;
        for (int tb = 0; tb < t; tb += 64) {
            int te = Math.min(t, tb + 64);
            for (int r = n0; r < n1; r++) {
                // The row is fetched once per row and token block, reused by every group of 4 tokens.
                if (fp8) {
                    w.fp8Row(r, frow);
                } else if (bf16) {
                    w.bf16Row(r, brow);
                }
                for (int t0 = tb; t0 < te; t0 += 4) {
                    int nt = Math.min(4, te - t0);
                    if (fp8) {
                        dotRows(null, frow, 0, k, x, t0 * k, k, nt, out, t0 * n + r, n);
                    } else if (bf16) {
                        dotRows(brow, null, 0, k, x, t0 * k, k, nt, out, t0 * n + r, n);
                    } else {
                        dotRows(null, w.f32, r * k, k, x, t0 * k, k, nt, out, t0 * n + r, n);
                    }
                }
            }
        }
    }

    /**
     * Whether machines without AVX-512 run 4 weight rows at once ({@link PairTiles}) for the pair-order
     * products; {@code -Dlingspark.cpu.pairtiles=false} keeps the one-row kernels (same numbers).
     */
    static final boolean PAIR_TILES = Boolean.parseBoolean(System.getProperty("lingspark.cpu.pairtiles", "true"));

    /**
     * The bf16 product in pair order ({@link PairKernels}), the same numbers on every path. With tiles,
     * 4 rows at a time are copied next to the core once per block of 64 tokens and run against each
     * token of the block ({@link PairTiles#rows4x1}). The rows a tile leaves and {@code tiles == false}
     * take the one-row kernels: each row copied once per block and reused for every group of 4 tokens.
     * Nothing reads the mapped buffer with vector loads (IntVector.fromByteBuffer, gone from the Vector
     * API after Java 19), so this path runs on newer JDKs too; reading one token's rows in place
     * measured no faster than copying them (one thread 9.9 vs 10.4 GB/s over 128 MB, two 18.5 vs 16.1).
     */
    static void pairRows(float[] x, float[] ordered, int t, CpuWeight w, float[] out, int n0, int n1, boolean tiles) {
        int k = w.cols;
        int n = w.rows;
        float[] xp = ordered != null ? ordered : pairScratch(Math.min(t, 64) * k);
        short[] ws = rowScratch(4 * k);
        float[] tmp = lanes();
        for (int tb = 0; tb < t; tb += 64) {
            int te = Math.min(t, tb + 64);
            int xb = tb * k; // the block's first token in xp
            if (ordered == null) {
                PairKernels.order(x, tb * k, te - tb, k, xp);
                xb = 0;
            }
            int r = n0;
            if (tiles) {
                for (; r + 4 <= n1; r += 4) {
                    w.bf16Rows(r, 4, ws);
                    for (int t0 = tb; t0 < te; t0++) {
                        PairTiles.rows4x1(ws, k, xp, xb + (t0 - tb) * k, out, t0 * n + r, tmp);
                    }
                }
            }
            for (; r < n1; r++) {
                w.bf16Row(r, ws);
                for (int t0 = tb; t0 < te; t0 += 4) {
                    PairKernels.dotRows(ws, k, xp, xb + (t0 - tb) * k, Math.min(4, te - t0), out, t0 * n + r, n);
                }
            }
        }
    }

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[WideKernels.TILE_SCRATCH]);

    /** A per-thread scratch for the wide kernels' fixed-order totals (a 4×4 tile's 16 accumulators and their pair sums). */
    private static float[] lanes() {
        return LANES.get();
    }

    private static final ThreadLocal<float[]> PAIRED = ThreadLocal.withInitial(() -> new float[0]);

    /** A per-thread buffer for activations in pair order. */
    private static float[] pairScratch(int n) {
        float[] s = PAIRED.get();
        if (s.length < n) {
            s = new float[n];
            PAIRED.set(s);
        }
        return s;
    }
}
