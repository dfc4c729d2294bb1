package io.lingspark.engine.command;

import io.lingspark.engine.runtime.CpuWeights;
import io.lingspark.engine.runtime.EngineOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The engine's options, the same in every command (logits, bench, chat, generate): device, threads,
 * memory and batch limits. In {@code generate} each is also {@code spark.lingspark.<name>}.
 */
public final class EngineOptionsMixin {
    @Option(names = "--device", defaultValue = EngineOptions.DEFAULT_DEVICE,
        description = "cpu, cuda, cuda:N or auto (CUDA when a GPU and the kernels are there, else the CPU; "
            + "in a Spark job, a GPU Spark assigns to the task wins)")
    public String device;

    @Option(names = "--cpu-threads", defaultValue = "0", description = "CPU backend threads (0: all cores)")
    public int cpuThreads;

    @Option(names = "--cpu-weights", defaultValue = "stored",
        description = "stored: bf16 linear weights as the checkpoint stores them, mapped; int8: quantized to int8 with "
            + "per-row scales while loading, on the heap (half a decode step's bytes, other numbers; the heap must hold "
            + "about one byte per parameter)")
    public String cpuWeights;

    @Option(names = "--gpu-memory-utilization", defaultValue = "0.9",
        description = "fraction of the GPU's memory the engine plans for: weights, activations, and the KV cache "
            + "in what is left")
    public double gpuMemoryUtilization;

    @Option(names = "--kv-cache-memory", defaultValue = "0", converter = MemorySize.class,
        description = "KV cache size, e.g. 8GiB. CPU: the cache's memory (0: half the JVM's max heap; weights are "
            + "memory-mapped and take no heap). GPU: a cap below what --gpu-memory-utilization leaves (0: no cap)")
    public long kvCacheMemory;

    @Option(names = "--max-batch-tokens", defaultValue = "512",
        description = "tokens one engine step holds (decode tokens + prefill chunks); also the activation reserve "
            + "of the GPU memory plan")
    public int maxBatchTokens;

    @Option(names = "--max-running", defaultValue = "64",
        description = "sequences decoding at once (each holds KV cache)")
    public int maxRunning;

    @Option(names = "--max-model-len", defaultValue = "0", description = "context limit in tokens (0: the model's)")
    public int maxModelLen;

    @Option(names = "--pipeline-stages", defaultValue = "1",
        description = "split the model's layers into this many stages, one per device (CPU: a share of the cores each); "
            + "`lingspark plan` shows the split")
    public int pipelineStages;

    @Option(names = "--stage-layers", description = "explicit stage split, e.g. 0-9,10-19 (default: balanced by memory)")
    public String stageLayers;

    @Option(names = "--threads-per-stage", defaultValue = "0", description = "CPU threads of each stage (0: cores / stages)")
    public int threadsPerStage;

    @Option(names = "--no-prefix-cache", negatable = false,
        description = "compute every prompt in full: no reuse of cached blocks of shared prompt prefixes")
    public boolean noPrefixCache;

    /** The options for a model directory; bad values are a usage error. */
    public EngineOptions options(Path modelDir) {
        check();
        return new EngineOptions(modelDir, device, maxBatchTokens, maxRunning, maxModelLen, gpuMemoryUtilization,
            cpuThreads, kvCacheMemory, stageLayers != null ? stageLayers.split(",").length : pipelineStages, stageLayers,
            threadsPerStage, !noPrefixCache, CpuWeights.parse(cpuWeights));
    }

    /** Exit 2 with a one-line message for a value out of range. */
    public void check() {
        usage(device != null && device.trim().toLowerCase(java.util.Locale.ROOT).matches("cpu|auto|cuda(:\\d+)?"),
            "--device must be cpu, cuda, cuda:N or auto");
        usage(cpuThreads >= 0, "--cpu-threads must be >= 0");
        try {
            CpuWeights.parse(cpuWeights == null ? "stored" : cpuWeights);
        } catch (IllegalArgumentException e) {
            usage(false, e.getMessage());
        }
        usage(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1, "--gpu-memory-utilization must be in (0, 1]");
        usage(kvCacheMemory >= 0, "--kv-cache-memory must be >= 0");
        usage(maxBatchTokens >= 1, "--max-batch-tokens must be >= 1");
        usage(maxRunning >= 1, "--max-running must be >= 1");
        usage(maxModelLen >= 0, "--max-model-len must be >= 0");
        usage(pipelineStages >= 1, "--pipeline-stages must be >= 1");
        usage(threadsPerStage >= 0, "--threads-per-stage must be >= 0");
        usage(stageLayers == null || stageLayers.matches("\\s*\\d+\\s*-\\s*\\d+\\s*(,\\s*\\d+\\s*-\\s*\\d+\\s*)*"),
            "--stage-layers must look like 0-9,10-19");
    }

    public static void usage(boolean ok, String message) {
        if (!ok) {
            throw new ExitCodes.CommandException(ExitCodes.USAGE, message);
        }
    }
}
