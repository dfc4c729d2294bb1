package io.lingspark.engine.runtime;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.config.ParameterCount;
import io.lingspark.engine.model.CausalLm;
import java.util.Locale;

/**
 * Where an engine's memory goes, decided once: weights, an activation reserve for the largest step,
 * and the rest of the backend's one memory setting as cache blocks (and, for linear attention, state
 * slots). On a GPU the setting is --gpu-memory-utilization of its memory; on the CPU it is
 * --kv-cache-memory (the weights are mapped files there). Loading fails at once with the arithmetic in
 * the message when the model cannot fit, instead of an out-of-memory error half-way through.
 *
 * @param cacheBudget     bytes the cache may take (blocks and slots use all but a remainder)
 * @param weightBytes     weights held by the backend
 * @param activationBytes reserve for one step of maxBatchTokens rows (GPU)
 * @param kvBlockBytes    one block of blockSize tokens, every layer
 * @param kvBlocks        blocks in the pool
 * @param slotBytes       one sequence's recurrent state (0 without linear attention)
 * @param slots           state slots
 */
public record MemoryPlan(long cacheBudget, long weightBytes, long activationBytes, long kvBlockBytes, int kvBlocks,
                         int blockSize, int maxBatchTokens, long slotBytes, int slots) {
    public static final int BLOCK_SIZE = 16;
    /** Driver, context, module and allocator slack that cuMemGetInfo does not show as used. */
    public static final long RESERVE = 512L << 20;

    public long kvTokens() {
        return (long) kvBlocks * blockSize;
    }

    public long kvBytes() {
        return (long) kvBlocks * kvBlockBytes;
    }

    /**
     * The plan of a loaded model on its backend. With linear attention every running sequence holds a
     * state slot: slots take at most half the budget (each counted with one block of tokens), up to
     * maxSequences, and at least one; blocks take the rest.
     */
    public static MemoryPlan forModel(CausalLm model, int maxBatchTokens, int maxSequences) {
        Backend be = model.backend();
        CacheSpec spec = model.cacheSpec(BLOCK_SIZE);
        long act = activationBytes(model.config(), maxBatchTokens);
        long budget = be.cacheBudget(act);
        long blockBytes = be.blockBytes(spec);
        long slotBytes = spec.hasState() ? be.slotBytes(spec) : 0;
        int slots = 0;
        if (spec.hasState()) {
            slots = (int) Math.max(1, Math.min(maxSequences, budget / (2 * (slotBytes + blockBytes))));
        }
        long left = budget - slots * slotBytes;
        // A pipeline stage of only linear-attention layers holds no KV blocks: it bounds nothing.
        int blocks = blockBytes == 0 ? Integer.MAX_VALUE : (int) Math.max(0, Math.min(Integer.MAX_VALUE, left / blockBytes));
        MemoryPlan p = new MemoryPlan(budget, be.weightBytes(), act, blockBytes, blocks, BLOCK_SIZE, maxBatchTokens,
            slotBytes, slots);
        if (blocks < 1 || (spec.hasState() && slots < 1)) {
            throw new ModelLoadException("no memory left for the cache: " + p + " on " + be.name()
                + "; raise --kv-cache-memory (CPU) or --gpu-memory-utilization (GPU), or lower --max-batch-tokens");
        }
        return p;
    }

    /** K and V of one token in every layer in bf16: 2 · L · nkv · d · 2 bytes (40,960 for Ling-mini-2.0). */
    public static long kvBytesPerToken(LingConfig c) {
        return 2L * c.numLayers * c.numKvHeads * c.headDim * 2;
    }

    /** Device bytes of the weights: bf16, or one byte per quantized linear parameter + fp32 128×128 scales. */
    public static long weightBytes(LingConfig c, boolean fp8) {
        long total = ParameterCount.total(c);
        if (!fp8) {
            return 2 * total;
        }
        long unquantized = 2L * c.vocabSize * c.hiddenSize            // embedding + lm_head
                + (long) c.numLayers * (4L * c.hiddenSize + 2L * c.headDim) // norms
                + (long) (c.numLayers - c.firstKDenseReplace) * ((long) c.numExperts * c.hiddenSize + c.numExperts);
        long quantized = total - unquantized;
        return 2 * unquantized + quantized + quantized / (128 * 128) * 4 * 2; // scales, with slack for padding
    }

    /**
     * Activations for one GPU step of t rows: hidden, normed, qkv, attention out, MLP gate|up and act,
     * logits of up to t rows, MoE routed copies (t·k rows of 2m, m and H), router logits, split-K
     * and split-KV workspaces; bf16 unless noted.
     */
    public static long activationBytes(LingConfig c, int t) {
        long h = c.hiddenSize;
        long k = c.numExpertsPerTok;
        long m = c.moeIntermediateSize;
        long inter = Math.max(c.intermediateSize, m * Math.max(1, c.numSharedExperts));
        long perRow = 2 * (4 * h + c.qkvWidth() + (long) c.numHeads * c.headDim + 3 * inter + c.vocabSize)
                + 2 * k * (3 * m + h) + 4L * c.numExperts + 16 * k;
        long splitK = 16L * 256 * Math.max(h, 2 * inter) * 4;        // 16 slices of the largest decode GEMM
        long splitKv = 16L * Math.min(t, 256) * c.numHeads * (c.headDim + 2) * 4;
        return perRow * t + splitK + splitKv + (64L << 20);          // + metadata and fragmentation
    }

    /**
     * Checks before loading that a model's bf16 weights, the activation reserve and the cache of one
     * sequence of min(context, 4096) tokens fit the backend's capacity (a GPU's); a no-op on the CPU.
     */
    public static void checkFits(LingConfig c, Backend be, int maxBatchTokens) {
        long capacity = be.memoryCapacity();
        if (capacity != Long.MAX_VALUE) {
            check(c, false, capacity, maxBatchTokens, String.format(Locale.ROOT, "%.2f GiB budget on %s", gib(capacity), be.name()));
        }
    }

    /** The pre-load arithmetic for a device of deviceTotal bytes at the given utilization. */
    public static MemoryPlan plan(LingConfig c, boolean fp8, long deviceTotal, double utilization, int maxBatchTokens) {
        if (!(utilization > 0 && utilization <= 1)) {
            throw new IllegalArgumentException("--gpu-memory-utilization must be in (0, 1], got " + utilization);
        }
        long budget = (long) (deviceTotal * utilization) - RESERVE;
        String where = String.format(Locale.ROOT, "%.2f GiB budget (%.0f%% of %.2f GiB, less %.1f GiB reserve)",
            gib(budget), utilization * 100, gib(deviceTotal), gib(RESERVE));
        long left = check(c, fp8, budget, maxBatchTokens, where);
        long blockBytes = kvBytesPerToken(c) * BLOCK_SIZE;
        int blocks = (int) Math.min(Integer.MAX_VALUE, left / blockBytes);
        return new MemoryPlan(left, weightBytes(c, fp8), activationBytes(c, maxBatchTokens), blockBytes, blocks, BLOCK_SIZE,
            maxBatchTokens, 0, 0);
    }

    /** Bytes left for the cache, or a ModelLoadException with the arithmetic. */
    private static long check(LingConfig c, boolean fp8, long budget, int maxBatchTokens, String where) {
        long w = weightBytes(c, fp8);
        long a = activationBytes(c, maxBatchTokens);
        long blockBytes = kvBytesPerToken(c) * BLOCK_SIZE;
        long left = budget - w - a;
        // at least one full-length sequence must fit, or nothing useful can run
        long minBlocks = (Math.min(c.maxPositionEmbeddings, 4096) + BLOCK_SIZE - 1) / BLOCK_SIZE;
        if (left < minBlocks * blockBytes) {
            throw new ModelLoadException(String.format(Locale.ROOT,
                "the model does not fit on the GPU: %s < %.2f GiB weights%s + %.2f GiB activations (batch of %d tokens) "
                    + "+ %.2f GiB KV cache for %d tokens. Use a larger --gpu-memory-utilization, a smaller "
                    + "--max-batch-tokens, FP8 weights, or pipeline stages",
                where, gib(w), fp8 ? " (fp8)" : "", gib(a), maxBatchTokens, gib(minBlocks * blockBytes),
                minBlocks * BLOCK_SIZE));
        }
        return left;
    }

    static double gib(long b) {
        return b / (double) (1L << 30);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
            "cache %.3f GiB = %d blocks of %d tokens (%d tokens, %d B/block)%s; weights %.2f GiB, activation reserve %.2f GiB (%d tokens)",
            gib(cacheBudget), kvBlocks, blockSize, kvTokens(), kvBlockBytes,
            slots > 0 ? String.format(Locale.ROOT, " + %d state slots of %d B", slots, slotBytes) : "",
            gib(weightBytes), gib(activationBytes), maxBatchTokens);
    }
}
