package io.lingspark.engine.model;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.DType;
import io.lingspark.engine.weights.TensorInfo;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The JVM heap a model needs on the CPU backend, checked before any weight is read. BF16 and FP8
 * weights stay in the memory-mapped files (page cache, not heap); F32 and F16 tensors are widened into
 * heap arrays (a few norms, biases and FP8 block scales in a real checkpoint, everything in an F32
 * one), and the KV cache lives on the heap (--kv-cache-memory, by default half the max heap). Without
 * the check a heap too small fails half-way through the load with an OutOfMemoryError and a stack
 * trace; with it, at once, with what is needed and how to give it. An OutOfMemoryError that still
 * happens while loading becomes the same typed error.
 */
public final class HeapCheck {
    /** The runtime's own share at the least: tokenizer tables, step buffers, the scheduler. */
    static final long RESERVE = 64L << 20;
    private static final double GIB = 1L << 30;

    private HeapCheck() {
    }

    /** Heap bytes the tensors a load reads take once loaded: F32 and F16 at 4 bytes an element, MTP layers left out. */
    static long heapWeightBytes(Checkpoint ckpt, LingConfig c, Predicate<String> wanted) {
        long n = 0;
        for (TensorInfo t : ckpt.tensors().values()) {
            // FP8 scales are widened to float whatever their dtype (compressed-tensors often stores them BF16)
            boolean widened = t.dtype() == DType.F32 || t.dtype() == DType.F16 || t.name().endsWith(".weight_scale");
            if (widened && wanted.test(t.name()) && !TensorPlan.isMtp(t.name(), c)) {
                n += 4 * t.elements();
            }
        }
        return n;
    }

    /**
     * Heap bytes of the int8 copies {@code --cpu-weights int8} makes of the tensors a load reads: one a
     * value plus a float scale a row, for each tensor the backend quantizes ({@link CpuBackend#quantizes}).
     */
    static long int8WeightBytes(Checkpoint ckpt, LingConfig c, Predicate<String> wanted) {
        long n = 0;
        for (TensorInfo t : ckpt.tensors().values()) {
            if (t.rank() == 2 && wanted.test(t.name()) && !TensorPlan.isMtp(t.name(), c)
                && CpuBackend.quantizes(t.name(), t.dtype() == DType.BF16, t.shape()[0], t.shape()[1])) {
                n += CpuBackend.int8Bytes(t.shape()[0], t.shape()[1]);
            }
        }
        return n;
    }

    /** Refuses a load that cannot fit this JVM's max heap, with the arithmetic and the settings to change. */
    static void check(Checkpoint ckpt, LingConfig c, ModelSlice s, CpuBackend be) {
        Predicate<String> wanted = s.isWhole(c) ? name -> true : s.tensors(c);
        long weights = heapWeightBytes(ckpt, c, wanted);
        long int8 = be.int8Weights() ? int8WeightBytes(ckpt, c, wanted) : 0;
        long max = Runtime.getRuntime().maxMemory();
        boolean defaultCache = be.cacheBudget(0) == CpuBackend.defaultCacheMemory();
        // the default cache is half of what the int8 weights leave of the heap (CpuBackend.cacheBudget)
        check(weights, int8, defaultCache ? (max - int8) / 2 : be.cacheBudget(0), defaultCache, max);
    }

    /** {@link #check(long, long, long, boolean, long)} without int8 weights. */
    static void check(long weights, long cache, boolean defaultCache, long maxHeap) {
        check(weights, 0, cache, defaultCache, maxHeap);
    }

    /**
     * @param weights      heap bytes of the weights widened to fp32
     * @param int8         heap bytes of int8 weights ({@code --cpu-weights int8}), else 0
     * @param cache        the KV cache budget
     * @param defaultCache whether the budget is the default (half the heap the int8 weights leave: it grows
     *                     with the heap)
     * @param maxHeap      this JVM's max heap
     */
    static void check(long weights, long int8, long cache, boolean defaultCache, long maxHeap) {
        long need = weights + int8 + cache + RESERVE;
        if (need <= maxHeap) {
            return;
        }
        // with the default cache, a larger heap also gets a larger cache: it needs twice the rest
        long give = defaultCache ? 2 * (weights + RESERVE) + int8 : need;
        String or = "; or a smaller --kv-cache-memory" + (weights > RESERVE ? ", or a BF16 checkpoint" : "")
            + (int8 > 0 ? ", or --cpu-weights stored" : "");
        throw new ModelLoadException(String.format(Locale.ROOT,
            "the model needs about %.2f GiB of heap but this JVM's max heap is %.2f GiB: %.2f GiB of F32/F16 weights "
                + "widened onto the heap (BF16 and FP8 stay in the mapped files)%s + %.2f GiB of KV cache (%s) + %.2f GiB "
                + "for the runtime. %s%s",
            need / GIB, maxHeap / GIB, weights / GIB,
            int8 > 0 ? String.format(Locale.ROOT, " + %.2f GiB of int8 weights (--cpu-weights int8)", int8 / GIB) : "",
            cache / GIB, defaultCache ? "by default half the heap" : "--kv-cache-memory", RESERVE / GIB, advice(give), or));
    }

    /** Runs a load step; an OutOfMemoryError in it becomes a ModelLoadException saying how to give more heap. */
    public static <T> T whileLoading(String what, Supplier<T> load) {
        try {
            return load.get();
        } catch (OutOfMemoryError e) {
            long max = Runtime.getRuntime().maxMemory();
            throw new ModelLoadException(String.format(Locale.ROOT, "out of memory while loading %s (%s) with a max heap of "
                + "%.2f GiB. %s", what, e.getMessage(), max / GIB, advice(2 * max)), e);
        }
    }

    private static String advice(long bytes) {
        long gib = Math.max(1, (long) Math.ceil(bytes / GIB));
        return "Give the JVM more heap: -Xmx" + gib + "g (bin/lingspark: LINGSPARK_JAVA_OPTS=-Xmx" + gib + "g; a local Spark "
            + "run: --driver-memory " + gib + "g; a cluster: spark.executor.memory=" + gib + "g)";
    }
}
