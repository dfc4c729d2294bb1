package io.lingspark.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.weights.HostMatrix;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The int8 weight mode's arithmetic: quantisation (per-row scale, every value within half a step, the
 * row's largest exact) and the products against a scalar reference of their one arithmetic, bit for
 * bit, for one token (rows read in place) and many (rows widened into a tile), ragged rows and token
 * blocks, so a token gets the same numbers alone and in any batch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Q8KernelsTest {
    private Parallel par;

    @BeforeAll
    void setUp() {
        par = new Parallel(2);
    }

    @AfterAll
    void tearDown() {
        par.close();
    }

    /** scale · Σ_lane (even + odd chain), lanes from 0; chains over 16-blocks (even: 16b + j, odd: 16b + 8 + j). */
    static float reference(float[] x, int x0, byte[] q, int q0, int k, float scale) {
        float[] e = new float[8];
        float[] o = new float[8];
        for (int b = 0; b < k; b += 16) {
            for (int j = 0; j < 8; j++) {
                e[j] = Math.fma(x[x0 + b + j], (float) q[q0 + b + j], e[j]);
                o[j] = Math.fma(x[x0 + b + 8 + j], (float) q[q0 + b + 8 + j], o[j]);
            }
        }
        float s = 0;
        for (int j = 0; j < 8; j++) {
            s += e[j] + o[j];
        }
        return scale * s;
    }

    private static CpuWeight bf16(SplittableRandom r, int rows, int k) {
        return WideKernelsTest.weight(r, rows, k, 1 + r.nextInt(rows), new float[rows * k]);
    }

    @Test
    void quantisationKeepsEachRowWithinHalfAStep() {
        SplittableRandom r = new SplittableRandom(3);
        int rows = 13;
        int k = 48;
        CpuWeight w = bf16(r, rows, k);
        CpuWeight q = w.quantize(par);
        assertFalse(q.bf16());
        assertEquals((long) rows * k + 4L * rows, q.bytes());
        float[] row = new float[k];
        float[] back = new float[k];
        for (int i = 0; i < rows; i++) {
            w.rowInto(i, row);
            q.rowInto(i, back);
            float max = 0;
            int at = 0;
            for (int c = 0; c < k; c++) {
                if (Math.abs(row[c]) > max) {
                    max = Math.abs(row[c]);
                    at = c;
                }
            }
            assertEquals(max / 127f, q.q8Scale[i]);
            assertEquals(127, Math.abs(q.q8[i * k + at]), "row " + i + ": its largest value is ±127");
            for (int c = 0; c < k; c++) {
                assertTrue(Math.abs(row[c] - back[c]) <= q.q8Scale[i] / 2 * 1.0001f, "row " + i + " col " + c);
                assertEquals(back[c], q.get(i, c));
            }
        }
    }

    @Test
    void aZeroRowQuantisesToZeros() {
        short[] bits = new short[2 * 16];
        bits[16] = (short) 0x3F80; // row 1: a single 1.0
        CpuWeight q = new CpuWeight(HostMatrix.ofBf16("w", 2, 16, bits)).quantize(par);
        assertEquals(0f, q.q8Scale[0]);
        assertEquals(0f, q.get(0, 3));
        assertEquals(1f, q.get(1, 0));
    }

    @Test
    void onlyWholeBlocksOfBf16Quantise() {
        CpuWeight ragged = new CpuWeight(HostMatrix.ofBf16("w", 2, 24, new short[48]));
        assertThrows(IllegalArgumentException.class, () -> ragged.quantize(par));
        assertFalse(CpuBackend.quantizes(HostMatrix.ofBf16("model.word_embeddings.weight", 4, 16, new short[64])));
        assertFalse(CpuBackend.quantizes(HostMatrix.ofBf16("model.layers.1.mlp.gate.weight", 4, 16, new short[64])));
        assertFalse(CpuBackend.quantizes(HostMatrix.ofBf16("model.norm.weight", 1, 16, new short[16])));
        assertTrue(CpuBackend.quantizes(HostMatrix.ofBf16("model.layers.1.mlp.experts.3.down_proj.weight", 4, 16, new short[64])));
    }

    /** Int8 weights live on the heap: past their share the load stops with a typed error naming the way out. */
    @Test
    void weightsBeyondTheHeapShareAreAClearLoadError() {
        HostMatrix m = HostMatrix.ofBf16("model.layers.0.attention.dense.weight", 16, 64, new short[16 * 64]);
        try (CpuBackend be = new CpuBackend(1, 1 << 20, true, 2000)) {
            be.upload(m); // 16·64 + 4·16 = 1088 bytes
            io.lingspark.engine.config.ModelLoadException e = assertThrows(io.lingspark.engine.config.ModelLoadException.class,
                () -> be.upload(m));
            assertTrue(e.getMessage().contains("--cpu-weights stored") && e.getMessage().contains("-Xmx"), e.getMessage());
            assertEquals(1088, be.weightBytes());
        }
        try (CpuBackend stored = new CpuBackend(1, 0, false, 2000)) {
            stored.upload(m);
            stored.upload(m); // stored weights are not on the heap: no limit
            assertEquals(Runtime.getRuntime().maxMemory() / 2, stored.cacheBudget(0));
        }
    }

    @Test
    void productsMatchTheReferenceBitForBitForAnyTokenCount() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 60; trial++) {
            int k = 16 * (1 + r.nextInt(24));
            int rows = 1 + r.nextInt(40); // one token copies 16 rows at a time: row ranges past 16 and ragged
            int t = trial % 3 == 1 ? 1 : 1 + r.nextInt(trial % 3 == 0 ? 140 : 9);
            CpuWeight q = bf16(r, rows, k).quantize(par);
            WideKernelsTest.matchesOnARandomRange(r, MatmulKernels::matmulRows, q, t,
                (x, x0, row) -> reference(x, x0, q.q8, row * k, k, q.q8Scale[row]));
        }
    }
}
