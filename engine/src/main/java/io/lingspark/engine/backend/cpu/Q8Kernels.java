package io.lingspark.engine.backend.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products with int8 weights (the CPU's opt-in {@code --cpu-weights int8} mode, {@link CpuWeight#quantize}):
 * out[t, r] = scale[r] · Σ_i x[t, i] · q[r, i]. One arithmetic for every output, whatever the token count
 * or row range: 16 fp32 fma chains over i in blocks of 16 (lane j of the even chains takes i = 16b + j,
 * of the odd ones 16b + 8 + j, in i order), each lane's even + odd summed from lane 0, then × the row's
 * scale (two chains a lane, as the bf16 pair kernels keep, so that 4 rows have 8 independent fmas in
 * flight against fma latency). So a token's numbers do not depend on the tokens sharing its step
 * (chunk invariance, prefix caching) and every path below gives the same bits (Q8KernelsTest).
 *
 * <p>Why int8 is worth a mode: a batch-1 decode step streams every active weight once, and int8 halves
 * the bytes of bf16. The weights are heap arrays, widened to fp32 by the vector unit (sign extension
 * and conversion are exact). One token runs 4 rows at a time from a bulk copy of 16 rows; more tokens
 * widen a 4-row tile to fp32 once and run every token of a block against it, so the conversion is paid
 * once per tile instead of once per token (the fp32 tile kernel's loads are plain fp32 loads).
 */
final class Q8Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    private static final int L = 8;
    /**
     * Rows one token's product copies next to the core before reading them (one bulk copy, 16 KB at k
     * 1024): the copy streams from memory faster than the kernel's 4 interleaved row reads (measured on
     * the 2-core Zen 3, batch-1 shapes, alternating in one JVM: 8.6-10.5 → 10.2-11.8 GB/s).
     */
    private static final int COPY_ROWS = 16;
    /** Tokens run against one widened tile before the next tile: a block's activations stay in L2. */
    private static final int TOKEN_BLOCK = 64;
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[4 * L]);

    private Q8Kernels() {
    }

    /** Whether q8 can hold a [rows, cols] weight: whole 16-value blocks. */
    static boolean fits(int cols) {
        return cols % (2 * L) == 0 && cols > 0;
    }

    /** out[t·n + r] for tokens [0, t) (x row-major [t, k]) and rows [n0, n1) of the int8 weight w. */
    static void rows(float[] x, int t, CpuWeight w, float[] out, int n0, int n1) {
        int k = w.cols;
        int n = w.rows;
        byte[] q = w.q8;
        float[] scale = w.q8Scale;
        float[] tmp = LANES.get();
        if (t == 1) {
            int r = n0;
            byte[] rows = MatmulKernels.byteScratch(COPY_ROWS * k); // the thread's; no fp8 row is in use here
            for (; r + COPY_ROWS <= n1; r += COPY_ROWS) {
                System.arraycopy(q, r * k, rows, 0, COPY_ROWS * k);
                for (int j = 0; j < COPY_ROWS; j += 4) {
                    direct4(rows, j * k, k, x, 0, scale, r + j, out, r + j, tmp);
                }
            }
            for (; r + 4 <= n1; r += 4) {
                direct4(q, r * k, k, x, 0, scale, r, out, r, tmp);
            }
            for (; r < n1; r++) {
                out[r] = scale[r] * direct1(q, r * k, k, x, 0, tmp);
            }
            return;
        }
        float[] tile = MatmulKernels.scratch(4 * k); // the thread's fp32 scratch; nothing else holds it here
        for (int tb = 0; tb < t; tb += TOKEN_BLOCK) {
            int te = Math.min(t, tb + TOKEN_BLOCK);
            int r = n0;
            for (; r + 4 <= n1; r += 4) {
                widen(q, r * k, 4 * k, tile);
                for (int tok = tb; tok < te; tok++) {
                    tile4(tile, k, x, tok * k, scale, r, out, tok * n + r, tmp);
                }
            }
            for (; r < n1; r++) {
                for (int tok = tb; tok < te; tok++) {
                    out[tok * n + r] = scale[r] * direct1(q, r * k, k, x, tok * k, tmp);
                }
            }
        }
    }

    /** The 8 lanes at tmp[at, at + 8) summed from lane 0 (every path's total). */
    private static float sum8(float[] tmp, int at) {
        float s = 0;
        for (int i = 0; i < L; i++) {
            s += tmp[at + i];
        }
        return s;
    }

    private static FloatVector int8(byte[] q, int at) {
        return (FloatVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2F, F, 0);
    }

    /** One row at q[at, at + k) against x[x0, x0 + k): the unscaled total. */
    static float direct1(byte[] q, int at, int k, float[] x, int x0, float[] tmp) {
        FloatVector e = FloatVector.zero(F), d = e;
        for (int i = 0; i < k; i += 2 * L) {
            e = FloatVector.fromArray(F, x, x0 + i).fma(int8(q, at + i), e);
            d = FloatVector.fromArray(F, x, x0 + i + L).fma(int8(q, at + i + L), d);
        }
        ExactType.of(F, e.add(d)).intoArray(tmp, 0);
        return sum8(tmp, 0);
    }

    /** 4 rows from q[at] (k apart) against one token, read in place: out[o0 + j] = scale[r + j] · total. */
    private static void direct4(byte[] q, int at, int k, float[] x, int x0, float[] scale, int r, float[] out, int o0,
                                float[] tmp) {
        FloatVector e0 = FloatVector.zero(F), d0 = e0, e1 = e0, d1 = e0, e2 = e0, d2 = e0, e3 = e0, d3 = e0;
        for (int i = 0; i < k; i += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, x, x0 + i);
            FloatVector xo = FloatVector.fromArray(F, x, x0 + i + L);
            e0 = xe.fma(int8(q, at + i), e0);
            d0 = xo.fma(int8(q, at + i + L), d0);
            e1 = xe.fma(int8(q, at + k + i), e1);
            d1 = xo.fma(int8(q, at + k + i + L), d1);
            e2 = xe.fma(int8(q, at + 2 * k + i), e2);
            d2 = xo.fma(int8(q, at + 2 * k + i + L), d2);
            e3 = xe.fma(int8(q, at + 3 * k + i), e3);
            d3 = xo.fma(int8(q, at + 3 * k + i + L), d3);
        }
        totals(e0.add(d0), e1.add(d1), e2.add(d2), e3.add(d3), scale, r, out, o0, tmp);
    }

    /** 4 rows already widened to fp32 (tile, k apart) against one token: the same chains as direct4. */
    private static void tile4(float[] tile, int k, float[] x, int x0, float[] scale, int r, float[] out, int o0,
                              float[] tmp) {
        FloatVector e0 = FloatVector.zero(F), d0 = e0, e1 = e0, d1 = e0, e2 = e0, d2 = e0, e3 = e0, d3 = e0;
        for (int i = 0; i < k; i += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, x, x0 + i);
            FloatVector xo = FloatVector.fromArray(F, x, x0 + i + L);
            e0 = xe.fma(FloatVector.fromArray(F, tile, i), e0);
            d0 = xo.fma(FloatVector.fromArray(F, tile, i + L), d0);
            e1 = xe.fma(FloatVector.fromArray(F, tile, k + i), e1);
            d1 = xo.fma(FloatVector.fromArray(F, tile, k + i + L), d1);
            e2 = xe.fma(FloatVector.fromArray(F, tile, 2 * k + i), e2);
            d2 = xo.fma(FloatVector.fromArray(F, tile, 2 * k + i + L), d2);
            e3 = xe.fma(FloatVector.fromArray(F, tile, 3 * k + i), e3);
            d3 = xo.fma(FloatVector.fromArray(F, tile, 3 * k + i + L), d3);
        }
        totals(e0.add(d0), e1.add(d1), e2.add(d2), e3.add(d3), scale, r, out, o0, tmp);
    }

    /** Each row's lanes (even + odd chains) summed from lane 0, × the row's scale. */
    private static void totals(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] scale, int r,
                               float[] out, int o0, float[] tmp) {
        ExactType.of(F, a0).intoArray(tmp, 0);
        ExactType.of(F, a1).intoArray(tmp, L);
        ExactType.of(F, a2).intoArray(tmp, 2 * L);
        ExactType.of(F, a3).intoArray(tmp, 3 * L);
        out[o0] = scale[r] * sum8(tmp, 0);
        out[o0 + 1] = scale[r + 1] * sum8(tmp, L);
        out[o0 + 2] = scale[r + 2] * sum8(tmp, 2 * L);
        out[o0 + 3] = scale[r + 3] * sum8(tmp, 3 * L);
    }

    /** q[at, at + n) as fp32 into dst[0, n) (exact: every int8 is an fp32). */
    private static void widen(byte[] q, int at, int n, float[] dst) {
        for (int i = 0; i < n; i += L) {
            int8(q, at + i).intoArray(dst, i);
        }
    }
}
