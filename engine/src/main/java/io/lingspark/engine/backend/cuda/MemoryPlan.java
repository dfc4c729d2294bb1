package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.config.ParameterCount;

/**
 * GPU memory, decided before anything is allocated: weights + activations for the largest step +
 * the rest (up to --gpu-memory-utilization of the device) as KV-cache blocks. Loading fails at once
 * with the arithmetic in the message when the model cannot fit, instead of an out-of-memory error
 * half-way through the upload.
 *
 * @param weightBytes     all weights on the device (bf16, or fp8 + scales for quantized linears)
 * @param activationBytes one step of maxBatchTokens rows, plus GEMM/attention workspaces
 * @param kvBlockBytes    one block of blockSize tokens, all layers, K and V, bf16
 * @param kvBlocks        blocks in the pool
 */
public record MemoryPlan(long budget, long weightBytes, long activationBytes, long kvBlockBytes, int kvBlocks,
                         int blockSize, int maxBatchTokens) {
    public static final int BLOCK_SIZE = 16;
    /** Driver, context, module and allocator slack that cuMemGetInfo does not show as used. */
    public static final long RESERVE = 512L << 20;

    public long kvTokens() {
        return (long) kvBlocks * blockSize;
    }

    public long kvBytes() {
        return (long) kvBlocks * kvBlockBytes;
    }

    /** K and V of one token in every layer: 2 · L · nkv · d · 2 bytes (40,960 for Ling-mini-2.0). */
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
     * Activations for one step of t rows: hidden, normed, qkv, attention out, MLP gate|up and act,
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
     * @param deviceTotal   bytes of device memory
     * @param utilization   fraction the engine may plan for (--gpu-memory-utilization, (0, 1])
     * @param maxBatchTokens largest step (decode batch or prefill chunk)
     */
    public static MemoryPlan plan(LingConfig c, boolean fp8, long deviceTotal, double utilization, int maxBatchTokens) {
        if (!(utilization > 0 && utilization <= 1)) {
            throw new IllegalArgumentException("--gpu-memory-utilization must be in (0, 1], got " + utilization);
        }
        long budget = (long) (deviceTotal * utilization) - RESERVE;
        long w = weightBytes(c, fp8);
        long a = activationBytes(c, maxBatchTokens);
        long blockBytes = kvBytesPerToken(c) * BLOCK_SIZE;
        long left = budget - w - a;
        // at least one full-length sequence must fit, or nothing useful can run
        long minBlocks = (Math.min(c.maxPositionEmbeddings, 4096) + BLOCK_SIZE - 1) / BLOCK_SIZE;
        if (left < minBlocks * blockBytes) {
            throw new ModelLoadException(String.format(java.util.Locale.ROOT,
                    "the model does not fit on the GPU: %.2f GiB budget (%.0f%% of %.2f GiB, less %.1f GiB reserve) "
                            + "< %.2f GiB weights%s + %.2f GiB activations (batch of %d tokens) + %.2f GiB KV cache "
                            + "for %d tokens. Use a larger --gpu-memory-utilization, a smaller batch, FP8 weights, "
                            + "or pipeline stages",
                    gib(budget), utilization * 100, gib(deviceTotal), gib(RESERVE), gib(w), fp8 ? " (fp8)" : "",
                    gib(a), maxBatchTokens, gib(minBlocks * blockBytes), minBlocks * BLOCK_SIZE));
        }
        int blocks = (int) Math.min(Integer.MAX_VALUE, left / blockBytes);
        return new MemoryPlan(budget, w, a, blockBytes, blocks, BLOCK_SIZE, maxBatchTokens);
    }

    static double gib(long b) {
        return b / (double) (1L << 30);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "budget %.2f GiB = weights %.2f + activations %.2f (%d tokens) + KV %.2f GiB (%d blocks of %d = %d tokens)",
                gib(budget), gib(weightBytes), gib(activationBytes), maxBatchTokens, gib(kvBytes()), kvBlocks, blockSize,
                kvTokens());
    }
}
