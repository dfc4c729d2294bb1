package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.AttentionSpec;
import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.LinearAttentionSpec;
import io.lingspark.engine.backend.MlaSpec;
import io.lingspark.engine.backend.MoeSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.step.ForwardBatch;
import io.lingspark.engine.weights.HostMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The pure-Java reference backend: fp32 arithmetic over weights kept in their stored precision and
 * place (the mapped checkpoint), on every core (matrix products split over output rows; attention
 * over (token, head) pairs). Caches are fp32 on the heap, paged like the GPU's.
 */
public final class CpuBackend implements Backend {
    final Parallel par;
    private final long cacheMemory; // --kv-cache-memory; 0: the default, half of what int8 weights leave of the heap
    private long weightBytes;

    /** With a cache budget of half the JVM's max heap (the cache lives on the heap). */
    public CpuBackend(int threads) {
        this(threads, defaultCacheMemory());
    }

    /**
     * @param threads     worker threads (0: all cores)
     * @param cacheMemory bytes the KV cache (and recurrent states) may take: --kv-cache-memory
     */
    public CpuBackend(int threads, long cacheMemory) {
        this(threads, cacheMemory, false);
    }

    /**
     * @param int8Weights quantize the linear layers' bf16 weights to int8 with per-row scales as they
     *                    are uploaded ({@code --cpu-weights int8}, {@link #quantizes}): half the bytes a
     *                    decode step streams, on the heap; other numbers than bf16's (within the
     *                    quantisation fixture's greedy tokens, Q8FixtureTest)
     */
    public CpuBackend(int threads, long cacheMemory, boolean int8Weights) {
        this(threads, cacheMemory, int8Weights, Runtime.getRuntime().maxMemory() / 4 * 3);
    }

    /** @param heapForWeights the most heap the int8 weights may take (3/4 of the max heap; tests set less) */
    CpuBackend(int threads, long cacheMemory, boolean int8Weights, long heapForWeights) {
        this.par = new Parallel(threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads);
        this.cacheMemory = Math.max(0, cacheMemory);
        this.int8Weights = int8Weights;
        this.heapForWeights = heapForWeights;
        KernelWarmup.start(); // the kernels compiled while the weights load, not during the first prefill
        if (int8Weights) {
            KernelWarmup.startInt8();
        }
    }

    private final boolean int8Weights;
    private final long heapForWeights;
    /** Bytes of int8 weights (and scales) on the heap. */
    private long heapWeightBytes;

    /**
     * Whether the int8 mode quantizes a matrix: bf16 linear weights of more than one row in whole 16-value
     * blocks. The embedding table (rows looked up, not multiplied; a tied lm_head with it) and the MoE
     * routers (tiny, and expert choice is the quantity most sensitive to noise) stay as stored, as do
     * norms (one row) and FP8 checkpoints' weights (already one byte).
     */
    static boolean quantizes(HostMatrix m) {
        return quantizes(m.name(), m.format() == HostMatrix.Format.BF16, m.rows(), m.cols());
    }

    /** {@link #quantizes(HostMatrix)} from a tensor's name, dtype and shape (HeapCheck counts the heap before loading). */
    public static boolean quantizes(String name, boolean bf16, long rows, long cols) {
        return bf16 && rows > 1 && cols <= Integer.MAX_VALUE && Q8Kernels.fits((int) cols)
            && !name.contains("word_embeddings") && !name.contains("mlp.gate.weight");
    }

    /** Heap bytes of a quantized [rows, cols] weight: one a value and a float scale a row. */
    public static long int8Bytes(long rows, long cols) {
        return rows * cols + 4 * rows;
    }

    /** Whether this backend quantizes bf16 linear weights to int8 as they are uploaded. */
    public boolean int8Weights() {
        return int8Weights;
    }

    /** Half the max heap: weights are off-heap (mapped), the heap holds caches and activations. */
    public static long defaultCacheMemory() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    @Override
    public String name() {
        return "cpu(" + par.threads + " threads" + (int8Weights ? ", int8 weights" : "") + ")";
    }

    public int threads() {
        return par.threads;
    }

    @Override
    public boolean supports(Feature f) {
        return f == Feature.HYBRID_ATTENTION;
    }

    @Override
    public Weight upload(HostMatrix m) {
        CpuWeight w = new CpuWeight(m);
        if (int8Weights && quantizes(m)) {
            long need = int8Bytes(m.rows(), m.cols());
            // HeapCheck counts these bytes before a checkpoint loads; this backstop also covers random weights
            if (heapWeightBytes + need > heapForWeights) { // a clear error now, not an OutOfMemoryError mid-load
                throw new ModelLoadException(String.format(java.util.Locale.ROOT,
                    "--cpu-weights int8 keeps the quantized weights on the heap: %.2f GiB loaded + %.2f GiB for %s "
                        + "exceed the %.2f GiB they may take (3/4 of the max heap). Raise -Xmx (spark.executor.memory) "
                        + "or use --cpu-weights stored", heapWeightBytes / GIB, need / GIB, m.name(), heapForWeights / GIB));
            }
            w = w.quantize(par);
            heapWeightBytes += w.bytes();
        }
        weightBytes += w.q8 != null ? w.bytes() : m.bytes();
        return w;
    }

    /** Deterministic bf16 in direct memory (off the heap, like mapped weights), filled in parallel chunks. */
    @Override
    public Weight random(String name, int rows, int cols, long seed, float scale) {
        long n = (long) rows * cols;
        int rowsPer = (int) Math.max(1, Math.min(rows, (1L << 30) / (2L * cols)));
        List<HostMatrix.Part> parts = new ArrayList<>();
        for (int r = 0; r < rows; r += rowsPer) {
            int nr = Math.min(rowsPer, rows - r);
            ByteBuffer b = ByteBuffer.allocateDirect(Math.multiplyExact(2 * nr, cols)).order(ByteOrder.LITTLE_ENDIAN);
            parts.add(new HostMatrix.Part(b, nr, r, null, 0, 0, 0));
        }
        long partElems = (long) rowsPer * cols;
        int chunk = 1 << 16;
        // Chunks seeded independently so generation is parallel and still deterministic.
        par.forRange((int) ((n + chunk - 1) / chunk), 1, c -> {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + c);
            long end = Math.min(n, (long) (c + 1) * chunk);
            for (long i = (long) c * chunk; i < end; i++) {
                float v = (float) (r.nextDouble() * 2 - 1) * scale;
                int p = (int) (i / partElems);
                parts.get(p).data().putShort((int) (2 * (i - p * partElems)), (short) (Float.floatToRawIntBits(v) >>> 16));
            }
        });
        return upload(HostMatrix.ofParts(name, cols, HostMatrix.Format.BF16, parts));
    }

    @Override
    public long weightBytes() {
        return weightBytes;
    }

    // ---- cache memory ----

    @Override
    public long blockBytes(CacheSpec spec) {
        return 4L * spec.blockSize() * spec.elementsPerToken();
    }

    @Override
    public long slotBytes(CacheSpec spec) {
        return 4L * spec.stateElements();
    }

    @Override
    public long cacheBudget(long activationBytes) {
        // the default half of the heap is half of what int8 weights leave of it (stored weights take none)
        return cacheMemory == 0 ? (Runtime.getRuntime().maxMemory() - heapWeightBytes) / 2 : cacheMemory;
    }

    private static final double GIB = 1L << 30;

    @Override
    public CachePool allocateCache(CacheSpec spec, int blocks, int slots) {
        return new CpuCachePool(spec, blocks, slots);
    }

    // ---- steps ----

    @Override
    public void beginStep(ForwardBatch batch) {
        par.stepActive(true); // heap tensors: nothing else to prepare
    }

    @Override
    public void endStep() {
        par.stepActive(false); // every op ran synchronously
    }

    @Override
    public Tensor alloc(int rows, int cols) {
        return new CpuTensor(rows, cols);
    }

    @Override
    public Tensor fromHost(float[] data, int rows, int cols) {
        if (data.length != (long) rows * cols) {
            throw new IllegalArgumentException(data.length + " values for a [" + rows + ", " + cols + "] tensor");
        }
        return new CpuTensor(rows, cols, data); // the heap array itself: the sender is done with it
    }

    // ---- ops ----

    @Override
    public void embedding(Weight table, int[] ids, Tensor out) {
        CpuWeight w = (CpuWeight) table;
        CpuTensor o = (CpuTensor) out;
        float[] row = new float[w.cols];
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0 || ids[t] >= w.rows) {
                throw new IllegalArgumentException("token id " + ids[t] + " outside the vocabulary [0, " + w.rows + ")");
            }
            w.rowInto(ids[t], row);
            System.arraycopy(row, 0, o.data, t * w.cols, w.cols);
        }
    }

    @Override
    public void rmsNorm(Tensor x, Weight w, float eps, Tensor out) {
        CpuTensor a = (CpuTensor) x;
        CpuTensor o = (CpuTensor) out;
        float[] g = ((CpuWeight) w).row(0);
        int n = a.cols;
        par.forRange(a.rows, Math.max(1, ELEMENTS_PER_JOB / n), t -> rmsNormRow(a.data, t * n, n, g, eps, o.data, t * n));
    }

    /**
     * Elements per parallel job of the elementwise ops (norms, silu, residual adds): at prefill they were
     * serial on the caller while the other cores waited (silu alone ~3 % of a 256-token prefill); a
     * decode step's single row stays one job (a fork costs more than it saves there).
     */
    static final int ELEMENTS_PER_JOB = 8192;

    static void rmsNormRow(float[] x, int off, int n, float[] g, float eps, float[] out, int ooff) {
        float ss = 0;
        for (int i = 0; i < n; i++) {
            ss += x[off + i] * x[off + i];
        }
        float r = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[ooff + i] = g[i] * (x[off + i] * r);
        }
    }

    @Override
    public void matmul(Tensor x, Weight w, Tensor out) {
        CpuTensor a = (CpuTensor) x;
        CpuWeight b = (CpuWeight) w;
        CpuTensor o = (CpuTensor) out;
        if (a.cols != b.cols || o.cols != b.rows || o.rows != a.rows) {
            throw new IllegalArgumentException("matmul shapes [" + a.rows + "," + a.cols + "]·[" + b.rows + "," + b.cols
                    + "]ᵀ → [" + o.rows + "," + o.cols + "]");
        }
        int blocks = Math.min(b.rows, par.threads * 8);
        int per = (b.rows + blocks - 1) / blocks;
        float[] ordered = MatmulKernels.pairOrdered(a.data, a.rows, b);
        par.forRange(blocks, 1, blk -> {
            int n0 = blk * per;
            int n1 = Math.min(b.rows, n0 + per);
            if (n0 < n1) {
                MatmulKernels.matmulRows(a.data, ordered, a.rows, b, o.data, n0, n1);
            }
        });
    }

    @Override
    public void qkNormRope(Tensor x, int colOffset, int heads, int headDim, Weight norm, float eps,
                           int ropeDim, float[] invFreq, float ropeFactor, int[] positions) {
        CpuTensor a = (CpuTensor) x;
        float[] g = norm != null ? ((CpuWeight) norm).row(0) : null;
        int half = ropeDim / 2;
        par.forRange(a.rows, 8, t -> {
            float[] cos = new float[half];
            float[] sin = new float[half];
            for (int i = 0; i < half; i++) {
                float angle = positions[t] * invFreq[i]; // fp32, as the reference builds its tables
                cos[i] = (float) Math.cos(angle) * ropeFactor;
                sin[i] = (float) Math.sin(angle) * ropeFactor;
            }
            for (int h = 0; h < heads; h++) {
                int off = t * a.cols + colOffset + h * headDim;
                if (g != null) {
                    rmsNormRow(a.data, off, headDim, g, eps, a.data, off);
                }
                // NeoX rotate-half on the first ropeDim components: pairs (i, i + ropeDim/2).
                for (int i = 0; i < half; i++) {
                    float u1 = a.data[off + i];
                    float u2 = a.data[off + i + half];
                    a.data[off + i] = u1 * cos[i] - u2 * sin[i];
                    a.data[off + i + half] = u2 * cos[i] + u1 * sin[i];
                }
            }
        });
    }

    @Override
    public void attention(Tensor qkv, ForwardBatch batch, CachePool cache, int layer, AttentionSpec spec, Tensor out) {
        CpuAttention.gqa(par, (CpuTensor) qkv, batch, (CpuCachePool) cache, layer, spec, (CpuTensor) out);
    }

    @Override
    public void siluMul(Tensor gateUp, Tensor out) {
        CpuTensor gu = (CpuTensor) gateUp;
        CpuTensor o = (CpuTensor) out;
        int n = o.cols;
        int total = gu.rows * n;
        par.forRange((total + ELEMENTS_PER_JOB - 1) / ELEMENTS_PER_JOB, 1, c -> {
            int end = Math.min(total, (c + 1) * ELEMENTS_PER_JOB);
            for (int j = c * ELEMENTS_PER_JOB; j < end; ) { // the job's elements, row by row
                int t = j / n;
                int i0 = j - t * n;
                int i1 = Math.min(n, i0 + end - j);
                int gOff = t * gu.cols;
                for (int i = i0; i < i1; i++) {
                    float g = gu.data[gOff + i];
                    float silu = (float) (g / (1.0 + Math.exp(-g)));
                    o.data[t * n + i] = silu * gu.data[gOff + n + i];
                }
                j += i1 - i0;
            }
        });
    }

    @Override
    public void add(Tensor x, Tensor y) {
        float[] a = ((CpuTensor) x).data;
        float[] b = ((CpuTensor) y).data;
        par.forRange((a.length + ELEMENTS_PER_JOB - 1) / ELEMENTS_PER_JOB, 1, c -> {
            int end = Math.min(a.length, (c + 1) * ELEMENTS_PER_JOB);
            for (int i = c * ELEMENTS_PER_JOB; i < end; i++) {
                a[i] += b[i];
            }
        });
    }

    @Override
    public void moe(Tensor x, MoeWeights w, MoeSpec spec, Tensor out, int[] chosen) {
        CpuMoe.forward(this, (CpuTensor) x, w, spec, (CpuTensor) out, chosen);
    }

    @Override
    public void groupRmsNorm(Tensor x, Weight w, int groups, float eps, Tensor out) {
        CpuHybridOps.groupRmsNorm(par, (CpuTensor) x, ((CpuWeight) w).row(0), groups, eps, (CpuTensor) out);
    }

    @Override
    public void sigmoidGate(Tensor x, Tensor gate) {
        CpuHybridOps.sigmoidGate(par, ((CpuTensor) x).data, ((CpuTensor) gate).data);
    }

    @Override
    public void ropeInterleaved(Tensor x, int colOffset, int heads, int headStride, float[] invFreq, float ropeFactor,
                                int[] positions) {
        CpuHybridOps.ropeInterleaved(par, (CpuTensor) x, colOffset, heads, headStride, invFreq, ropeFactor, positions);
    }

    @Override
    public void lightningAttention(Tensor qkv, ForwardBatch batch, CachePool cache, int layer, LinearAttentionSpec spec,
                                   Tensor out) {
        CpuLightning.forward(par, (CpuTensor) qkv, batch, (CpuCachePool) cache, layer, spec, (CpuTensor) out);
    }

    @Override
    public void mlaAttention(Tensor q, Tensor ckv, Tensor kRope, Weight kvB, ForwardBatch batch, CachePool cache,
                             int layer, MlaSpec spec, Tensor out) {
        CpuMla.forward(par, (CpuTensor) q, (CpuTensor) ckv, (CpuTensor) kRope, (CpuWeight) kvB, batch,
                (CpuCachePool) cache, layer, spec, (CpuTensor) out);
    }

    // ---- results ----

    @Override
    public Tensor rows(Tensor src, int[] rowIndices) {
        CpuTensor s = (CpuTensor) src;
        CpuTensor o = new CpuTensor(rowIndices.length, s.cols);
        for (int i = 0; i < rowIndices.length; i++) {
            System.arraycopy(s.data, rowIndices[i] * s.cols, o.data, i * s.cols, s.cols);
        }
        return o;
    }

    @Override
    public float[] toHost(Tensor t) {
        return ((CpuTensor) t).data;
    }

    @Override
    public void free(Tensor t) {
        // heap memory
    }

    @Override
    public void close() {
        par.close();
    }
}
