package io.lingspark.jobs.generate;

import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.runtime.CpuWeights;
import io.lingspark.engine.runtime.EngineOptions;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * The engine options of a job as serialisable data, shipped to every task (EngineOptions holds a Path,
 * which Java serialisation refuses); each executor turns them into its engine's options.
 *
 * @param device     the --device value; a GPU Spark assigns to a task wins over it
 * @param cpuWeights the --cpu-weights value (stored or int8)
 */
public record EngineSettings(String device, int maxBatchTokens, int maxRunning, int maxModelLen,
                             double gpuMemoryUtilization, int cpuThreads, long kvCacheMemory, int pipelineStages,
                             String stageLayers, int threadsPerStage, boolean prefixCaching, String cpuWeights)
    implements Serializable {
    private static final long serialVersionUID = 3L;

    public static EngineSettings of(EngineOptionsMixin m) {
        m.check();
        return new EngineSettings(m.device, m.maxBatchTokens, m.maxRunning, m.maxModelLen, m.gpuMemoryUtilization,
            m.cpuThreads, m.kvCacheMemory, m.pipelineStages, m.stageLayers, m.threadsPerStage, !m.noPrefixCache,
            m.cpuWeights);
    }

    /** The same settings with these CPU shares for each pipeline rank (several ranks in one JVM, local mode). */
    public EngineSettings perRank(int threadsEach, long cacheMemoryEach) {
        return new EngineSettings(device, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization, cpuThreads,
            cacheMemoryEach, pipelineStages, stageLayers, threadsEach, prefixCaching, cpuWeights);
    }

    /** Pipeline stages the settings ask for (the explicit split's count when --stage-layers is given). */
    public int stages() {
        return stageLayers != null ? stageLayers.split(",").length : pipelineStages;
    }

    /** The options of an engine on the given device (the task's GPU, or the --device value). */
    public EngineOptions options(Path modelDir, String onDevice) {
        return new EngineOptions(modelDir, onDevice, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization,
            cpuThreads, kvCacheMemory, stages(), stageLayers, threadsPerStage, prefixCaching, CpuWeights.parse(cpuWeights));
    }
}
