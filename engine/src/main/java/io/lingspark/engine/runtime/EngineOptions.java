package io.lingspark.engine.runtime;

import java.nio.file.Path;

/**
 * How to open an engine.
 *
 * @param modelDir           a Hugging Face checkpoint directory
 * @param device             "cpu", "cuda", "cuda:N" or "auto" (CUDA when a GPU and the kernels are there)
 * @param maxBatchTokens     token budget of one scheduler step (decode tokens + prefill chunks)
 * @param maxRunning         most sequences decoding at once
 * @param maxModelLen        context limit (0: the config's max_position_embeddings)
 * @param gpuMemoryUtilization fraction of GPU memory the CUDA backend plans for
 * @param cpuThreads         CPU backend threads (0: all cores)
 */
public record EngineOptions(Path modelDir, String device, int maxBatchTokens, int maxRunning, int maxModelLen,
                            double gpuMemoryUtilization, int cpuThreads) {

    public static EngineOptions of(Path modelDir) {
        return new EngineOptions(modelDir, "cpu", 512, 64, 0, 0.9, 0);
    }

    public EngineOptions withDevice(String d) {
        return new EngineOptions(modelDir, d, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization, cpuThreads);
    }

    public EngineOptions withMaxRunning(int n) {
        return new EngineOptions(modelDir, device, maxBatchTokens, n, maxModelLen, gpuMemoryUtilization, cpuThreads);
    }

    public EngineOptions withMaxBatchTokens(int n) {
        return new EngineOptions(modelDir, device, n, maxRunning, maxModelLen, gpuMemoryUtilization, cpuThreads);
    }

    public EngineOptions withMaxModelLen(int n) {
        return new EngineOptions(modelDir, device, maxBatchTokens, maxRunning, n, gpuMemoryUtilization, cpuThreads);
    }
}
