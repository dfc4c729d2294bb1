package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.backend.HostMatrix;
import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import jcuda.Pointer;

/**
 * The Backend on one NVIDIA GPU through JCuda's driver API: bf16 storage, fp32 accumulation, the
 * project's own kernels (lingspark.fatbin). A step (embedding → toHost) allocates its temporaries
 * from a per-row-count StepArena and, for decode, runs as a CUDA graph (DecodeGraphs). The
 * residual add before an RMSNorm is deferred and fused into it (ls_rmsnorm with res).
 */
public final class CudaBackend implements Backend {
    final CudaContext ctx;
    final double memoryUtilization;
    final int maxBatchTokens;
    final DecodeGraphs graphs;
    final CudaAttention attn;
    final CudaMoe moe;
    private final Map<Integer, StepArena> arenas = new HashMap<>();
    private StepArena arena;                 // non-null inside a step
    private final Map<Object, DevPtr> stepUploads = new IdentityHashMap<>(); // host arrays uploaded this step
    private final Map<String, DevPtr> constants = new HashMap<>();          // inv_freq tables, by content
    private CudaTensor pendingX;              // deferred add: x += y, fused into the next rmsNorm(x)
    private CudaTensor pendingY;
    private long weightBytes;

    public CudaBackend(int device, double memoryUtilization) {
        this.ctx = new CudaContext(device);
        this.memoryUtilization = memoryUtilization;
        this.maxBatchTokens = Integer.getInteger("lingspark.cuda.maxBatchTokens", 4096);
        this.graphs = new DecodeGraphs(ctx, !"false".equals(System.getProperty("lingspark.cuda.graphs")), 256);
        this.attn = new CudaAttention(this);
        this.moe = new CudaMoe(this);
    }

    @Override
    public String name() {
        return "cuda:" + ctx.ordinal + " (" + ctx.name + ")";
    }

    public CudaContext context() {
        return ctx;
    }

    /** The memory plan for a model on this GPU (call before loading to fail early). */
    public MemoryPlan plan(LingConfig c) {
        return MemoryPlan.plan(c, c.quantization != null, ctx.totalMemory, memoryUtilization, maxBatchTokens);
    }

    // ---- launches and memory ----

    void launch(Launch l, Object... args) {
        Args a = Args.of(args);
        graphs.launch(l, a.bits, a.params);
    }

    DevPtr temp(long bytes) {
        return arena != null ? arena.alloc(bytes) : ctx.alloc(bytes);
    }

    /** Uploads an int array for this step, once per array instance (positions are passed per layer). */
    DevPtr ints(int[] a) {
        DevPtr p = arena != null ? stepUploads.get(a) : null;
        if (p == null) {
            p = temp(4L * Math.max(1, a.length));
            ctx.upload(p, Pointer.to(a), 4L * a.length);
            if (arena != null) {
                stepUploads.put(a, p);
            }
        }
        return p;
    }

    private final java.util.Map<float[], DevPtr> constantsById = new java.util.IdentityHashMap<>();

    DevPtr floats(float[] a) {
        // Constants (inv_freq, expert biases) arrive as the same array every step: by identity first,
        // so a decode step does not format 32 floats into a string per layer just to find them.
        DevPtr known = constantsById.get(a);
        if (known != null) {
            return known;
        }
        String key = java.util.Arrays.toString(a);
        DevPtr p0 = constants.computeIfAbsent(key, k -> {
            DevPtr p = ctx.alloc(4L * a.length);
            ctx.upload(p, Pointer.to(a), 4L * a.length);
            return p;
        });
        constantsById.put(a, p0);
        return p0;
    }

    CudaTensor tensor(int rows, int cols, boolean f32) {
        long bytes = (long) rows * cols * (f32 ? 4 : 2);
        return new CudaTensor(rows, cols, f32, temp(bytes), arena != null);
    }

    private void beginStep(int rows) {
        flushAdd();
        arena = arenas.computeIfAbsent(rows <= 256 ? rows : -1, k -> new StepArena(ctx));
        arena.reset();
        stepUploads.clear();
        graphs.beginStep(rows);
    }

    /** Leaves graph mode before a mid-step host synchronisation. */
    void interruptGraph() {
        graphs.abort();
    }

    // ---- Backend ----

    @Override
    public Weight upload(HostMatrix m) {
        long n = (long) m.rows() * m.cols();
        short[] bf = m.bf16();
        if (bf == null) { // fp32 (or dequantised fp8) weights are stored as bf16, rounded to nearest even
            bf = new short[(int) n];
            float[] f = m.f32();
            for (int i = 0; i < bf.length; i++) {
                bf[i] = Bf16.round(f[i]);
            }
        }
        DevPtr p = ctx.alloc(2 * n);
        ctx.upload(p, Pointer.to(bf), 2 * n);
        weightBytes += 2 * n;
        return new CudaWeight(m.rows(), m.cols(), p, null);
    }

    /** An FP8 E4M3 block-scaled weight (§6.1): q [rows, cols] bytes, scaleInv [ceil(rows/128), ceil(cols/128)]. */
    public Weight uploadFp8(int rows, int cols, byte[] q, float[] scaleInv) {
        DevPtr p = ctx.alloc(q.length);
        ctx.upload(p, Pointer.to(q), q.length);
        DevPtr s = ctx.alloc(4L * scaleInv.length);
        ctx.upload(s, Pointer.to(scaleInv), 4L * scaleInv.length);
        weightBytes += q.length + 4L * scaleInv.length;
        return new CudaWeight(rows, cols, p, s);
    }

    @Override
    public Weight random(String name, int rows, int cols, long seed, float scale) {
        long n = (long) rows * cols;
        DevPtr p = ctx.alloc(2 * n);
        launch(new Launch("ls_random_bf16", (int) Math.min(65535, (n + 255) / 256), 1, 1, 256, 0), p, n, seed, scale);
        weightBytes += 2 * n;
        return new CudaWeight(rows, cols, p, null);
    }

    public long weightBytes() {
        return weightBytes;
    }

    @Override
    public Tensor alloc(int rows, int cols) {
        return tensor(rows, cols, false);
    }

    /**
     * A tensor holding m's values, allocated outside any step arena (parity harness: several inputs
     * are made before one op runs, and a step's arena recycles its buffers at the next step).
     */
    CudaTensor hostTensor(HostMatrix m, boolean f32) {
        long n = (long) m.rows() * m.cols();
        CudaTensor t = new CudaTensor(m.rows(), m.cols(), f32, ctx.alloc(n * (f32 ? 4 : 2)), false);
        if (f32) {
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = m.get(i / m.cols(), i % m.cols());
            }
            ctx.upload(t.ptr, Pointer.to(v), 4 * n);
        } else {
            ctx.upload(t.ptr, Pointer.to(m.bf16()), 2 * n);
        }
        return t;
    }

    @Override
    public Tensor allocF32(int rows, int cols) {
        return tensor(rows, cols, true);
    }

    @Override
    public KvCache newKvCache(LingConfig config) {
        return attn.newCache(config);
    }

    @Override
    public void embedding(Weight table, int[] ids, Tensor out) {
        CudaWeight w = (CudaWeight) table;
        for (int id : ids) {
            if (id < 0 || id >= w.rows) {
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + w.rows + ")");
            }
        }
        beginStep(ids.length);
        CudaTensor o = (CudaTensor) out;
        launch(LaunchConfigs.rows(o.f32 ? "ls_embedding_f32" : "ls_embedding", ids.length), w.ptr, ints(ids), o.ptr, w.cols);
    }

    @Override
    public void rmsNorm(Tensor x, Weight w, float eps, Tensor out) {
        CudaTensor a = (CudaTensor) x;
        CudaTensor res = null;
        // Fuse the pending residual add into the norm when the kernel has that variant (an fp32
        // update can only go into an fp32 stream).
        if (pendingX == a && (a.f32 || !pendingY.f32)) {
            res = pendingY;
            pendingX = pendingY = null;
        } else {
            flushAdd();
        }
        String kernel = !a.f32 ? "ls_rmsnorm" : res != null && res.f32 ? "ls_rmsnorm_f32_resf32" : "ls_rmsnorm_f32";
        launch(LaunchConfigs.rmsNorm(kernel, a.rows, a.cols), a.ptr, res == null ? null : res.ptr, ((CudaWeight) w).ptr, eps,
            ((CudaTensor) out).ptr, a.cols);
    }

    @Override
    public void matmul(Tensor x, Weight w, Tensor out) {
        flushAdd();
        Gemm.run(this, (CudaTensor) x, (CudaWeight) w, (CudaTensor) out);
    }

    @Override
    public void qkNormRope(Tensor x, int colOffset, int heads, int headDim, Weight norm, float eps, int ropeDim,
                           float[] invFreq, float ropeFactor, int[] positions) {
        flushAdd();
        CudaTensor a = (CudaTensor) x;
        if (headDim > 256) {
            throw new IllegalArgumentException("head_dim " + headDim + " > 256");
        }
        launch(LaunchConfigs.qkNormRope(a.rows, heads), a.ptr, a.cols, colOffset, heads, headDim,
                norm != null ? ((CudaWeight) norm).ptr : null, eps, ropeDim, floats(invFreq), ropeFactor, ints(positions));
    }

    @Override
    public void attention(Tensor qkv, BatchLayout layout, int layer, LingConfig config, Tensor out) {
        flushAdd();
        attn.run((CudaTensor) qkv, layout, layer, config, (CudaTensor) out);
    }

    @Override
    public void siluMul(Tensor gateUp, Tensor out) {
        flushAdd();
        CudaTensor o = (CudaTensor) out;
        CudaTensor gu = (CudaTensor) gateUp;
        launch(LaunchConfigs.flat(gu.f32 ? "ls_silu_mul_f32in" : "ls_silu_mul", (long) o.rows * o.cols), gu.ptr, o.ptr, o.rows, o.cols);
    }

    @Override
    public void add(Tensor x, Tensor y) {
        flushAdd();
        pendingX = (CudaTensor) x;
        pendingY = (CudaTensor) y;
    }

    private void flushAdd() {
        if (pendingX != null) {
            long n = (long) pendingX.rows * pendingX.cols;
            if (pendingY.f32 && !pendingX.f32) {
                throw new IllegalStateException("adding an fp32 tensor into a bf16 one is not supported");
            }
            String kernel = pendingX.f32 ? (pendingY.f32 ? "ls_add_f32f32" : "ls_add_f32") : "ls_add";
            launch(LaunchConfigs.flat(kernel, n), pendingX.ptr, pendingY.ptr, n);
            pendingX = pendingY = null;
        }
    }

    @Override
    public void moe(Tensor x, MoeWeights w, LingConfig config, Tensor out, int[] chosen) {
        flushAdd();
        moe.run((CudaTensor) x, w, config, (CudaTensor) out, chosen);
    }

    @Override
    public Tensor rows(Tensor src, int[] rowIndices) {
        flushAdd();
        CudaTensor s = (CudaTensor) src;
        CudaTensor o = tensor(rowIndices.length, s.cols, s.f32);
        launch(LaunchConfigs.rows(s.f32 ? "ls_gather_rows_f32" : "ls_gather_rows", rowIndices.length), s.ptr,
            ints(rowIndices), o.ptr, s.cols);
        return o;
    }

    @Override
    public float[] toHost(Tensor t) {
        flushAdd();
        graphs.endStep();
        arena = null;
        CudaTensor c = (CudaTensor) t;
        long n = (long) c.rows * c.cols;
        if (c.f32) {
            float[] out = new float[(int) n];
            ctx.download(Pointer.to(out), c.ptr, 4 * n);
            return out;
        }
        short[] raw = new short[(int) n];
        ctx.download(Pointer.to(raw), c.ptr, 2 * n);
        return Bf16.toFloats(raw);
    }

    /** Token ids of the step's rows by greedy argmax on the GPU (V floats per row never leave it). */
    public int[] argmax(Tensor logits) {
        return Sampling.argmax(this, (CudaTensor) logits);
    }

    @Override
    public void free(Tensor t) {
        CudaTensor c = (CudaTensor) t;
        if (!c.arena) {
            ctx.sync();
            ctx.free(c.ptr);
        }
    }

    @Override
    public void close() {
        graphs.close();
        for (StepArena a : arenas.values()) {
            a.release();
        }
        attn.close();
        ctx.close();
    }
}
