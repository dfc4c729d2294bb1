package io.lingspark.engine.runtime;

import java.nio.file.Path;

/**
 * How to open an engine.
 *
 * @param modelDir             a Hugging Face checkpoint directory
 * @param device               "cpu", "cuda", "cuda:N" or "auto" (CUDA when a GPU and the kernels are there)
 * @param maxBatchTokens       token budget of one scheduler step (decode tokens + prefill chunks); also
 *                             the activation reserve the GPU memory plan keeps
 * @param maxRunning           most sequences holding a cache at once
 * @param maxModelLen          context limit (0: the config's max_position_embeddings)
 * @param gpuMemoryUtilization fraction of GPU memory the CUDA backend plans for (weights, activations, cache)
 * @param cpuThreads           CPU backend threads (0: all cores)
 * @param kvCacheMemory        bytes of KV cache: the CPU backend's whole budget (0: half the max heap); on a
 *                             GPU a cap below what gpuMemoryUtilization leaves (0: no cap). Per stage of a
 *                             pipeline on GPUs; shared by the stages on the CPU
 * @param pipelineStages       stages the model's layers are split into (1: no pipeline)
 * @param stageLayers          an explicit split ("0-9,10-19"), or null for a balanced one
 * @param threadsPerStage      CPU threads of each stage (0: the cores divided by the stages)
 * @param prefixCaching        reuse cached KV blocks (and, for hybrid models, state snapshots) of shared
 *                             prompt prefixes (on by default; --no-prefix-cache)
 * @param cpuWeights           how the CPU backend holds bf16 linear weights: as stored, or int8 (opt-in;
 *                             null means as stored)
 */
public record EngineOptions(Path modelDir, String device, int maxBatchTokens, int maxRunning, int maxModelLen,
                            double gpuMemoryUtilization, int cpuThreads, long kvCacheMemory, int pipelineStages,
                            String stageLayers, int threadsPerStage, boolean prefixCaching, CpuWeights cpuWeights) {
    public static final String DEFAULT_DEVICE = "auto";
    public static final int DEFAULT_MAX_BATCH_TOKENS = 512;
    public static final int DEFAULT_MAX_RUNNING = 64;
    public static final double DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

    public EngineOptions {
        cpuWeights = cpuWeights == null ? CpuWeights.STORED : cpuWeights;
        if (maxBatchTokens < 1 || maxRunning < 1 || maxModelLen < 0 || cpuThreads < 0 || kvCacheMemory < 0
            || pipelineStages < 1 || threadsPerStage < 0) {
            throw new IllegalArgumentException("engine options: max-batch-tokens, max-running and pipeline-stages must be "
                + ">= 1; max-model-len, cpu-threads, kv-cache-memory and threads-per-stage >= 0");
        }
        if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
            throw new IllegalArgumentException("--gpu-memory-utilization must be in (0, 1], got " + gpuMemoryUtilization);
        }
    }

    /** The defaults on the CPU (tests, embedded runs). */
    public static EngineOptions of(Path modelDir) {
        return new EngineOptions(modelDir, "cpu", DEFAULT_MAX_BATCH_TOKENS, DEFAULT_MAX_RUNNING, 0,
            DEFAULT_GPU_MEMORY_UTILIZATION, 0, 0, 1, null, 0, true, CpuWeights.STORED);
    }

    public EngineOptions withDevice(String d) {
        return new EngineOptions(modelDir, d, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization, cpuThreads,
            kvCacheMemory, pipelineStages, stageLayers, threadsPerStage, prefixCaching, cpuWeights);
    }

    public EngineOptions withMaxRunning(int n) {
        return new EngineOptions(modelDir, device, maxBatchTokens, n, maxModelLen, gpuMemoryUtilization, cpuThreads,
            kvCacheMemory, pipelineStages, stageLayers, threadsPerStage, prefixCaching, cpuWeights);
    }

    public EngineOptions withMaxBatchTokens(int n) {
        return new EngineOptions(modelDir, device, n, maxRunning, maxModelLen, gpuMemoryUtilization, cpuThreads,
            kvCacheMemory, pipelineStages, stageLayers, threadsPerStage, prefixCaching, cpuWeights);
    }

    public EngineOptions withMaxModelLen(int n) {
        return new EngineOptions(modelDir, device, maxBatchTokens, maxRunning, n, gpuMemoryUtilization, cpuThreads,
            kvCacheMemory, pipelineStages, stageLayers, threadsPerStage, prefixCaching, cpuWeights);
    }

    public EngineOptions withKvCacheMemory(long bytes) {
        return new EngineOptions(modelDir, device, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization, cpuThreads,
            bytes, pipelineStages, stageLayers, threadsPerStage, prefixCaching, cpuWeights);
    }

    public EngineOptions withCpuThreads(int n) {
        return new EngineOptions(modelDir, device, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization, n,
            kvCacheMemory, pipelineStages, stageLayers, threadsPerStage, prefixCaching, cpuWeights);
    }

    public EngineOptions withCpuWeights(CpuWeights w) {
        return new EngineOptions(modelDir, device, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization, cpuThreads,
            kvCacheMemory, pipelineStages, stageLayers, threadsPerStage, prefixCaching, w);
    }

    /** Whether the options ask for pipeline stages (a count above 1, or an explicit split). */
    public boolean pipelined() {
        return pipelineStages > 1 || stageLayers != null;
    }

    /** Pipeline stages: a balanced split into s stages (split null) or the explicit one. */
    public EngineOptions withPipeline(int s, String split, int threadsEach) {
        return new EngineOptions(modelDir, device, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization, cpuThreads,
            kvCacheMemory, s, split, threadsEach, prefixCaching, cpuWeights);
    }

    public EngineOptions withPrefixCaching(boolean on) {
        return new EngineOptions(modelDir, device, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization, cpuThreads,
            kvCacheMemory, pipelineStages, stageLayers, threadsPerStage, on, cpuWeights);
    }

    /**
     * Recurrent-state slots to plan for (models with linear attention): one per running sequence, and
     * with prefix caching a separate budget of {@link #PREFIX_STATE_SNAPSHOTS} snapshot slots.
     */
    public int stateSlots() {
        return maxRunning + (prefixCaching ? PREFIX_STATE_SNAPSHOTS : 0);
    }

    /** State snapshots the prefix cache keeps for hybrid models (each one sequence's state, every linear layer). */
    public static final int PREFIX_STATE_SNAPSHOTS = 16;
}
