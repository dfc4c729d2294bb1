package io.lingspark.engine.runtime;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.backend.cuda.CudaBackend;
import io.lingspark.engine.backend.cuda.CudaContext;
import io.lingspark.engine.config.ModelLoadException;
import java.util.Locale;

/** Opens the backend a {@code --device} value names: cpu, cuda, cuda:N, auto. */
public final class Backends {
    private Backends() {
    }

    /** The backend of an engine's options (device, threads, memory settings). */
    public static Backend open(EngineOptions o) {
        return open(o.device(), o.cpuThreads(), o.gpuMemoryUtilization(), o.kvCacheMemory(), o.cpuWeights());
    }

    /** {@link #open(String, int, double, long, CpuWeights)} with the weights as stored. */
    public static Backend open(String device, int cpuThreads, double gpuMemoryUtilization, long kvCacheMemory) {
        return open(device, cpuThreads, gpuMemoryUtilization, kvCacheMemory, CpuWeights.STORED);
    }

    /**
     * @param device               "cpu", "cuda", "cuda:N" or "auto" (null means cpu)
     * @param cpuThreads           threads for the CPU backend (0: all cores)
     * @param gpuMemoryUtilization fraction of GPU memory the CUDA backend may plan for
     * @param kvCacheMemory        bytes of KV cache: the CPU's budget (0: half the max heap); on a GPU a cap
     *                             below what the utilization leaves (0: no cap)
     * @param cpuWeights           how a CPU backend holds bf16 linear weights (GPUs ignore it)
     */
    public static Backend open(String device, int cpuThreads, double gpuMemoryUtilization, long kvCacheMemory,
                               CpuWeights cpuWeights) {
        boolean int8 = cpuWeights == CpuWeights.INT8;
        String d = device == null ? "cpu" : device.trim().toLowerCase(Locale.ROOT);
        if (d.equals("auto")) {
            // CUDA when this build has the kernels and a GPU initialises, else the CPU
            return CudaContext.kernelsBuilt() && CudaContext.deviceAvailable()
                    ? new CudaBackend(0, gpuMemoryUtilization, kvCacheMemory) : new CpuBackend(cpuThreads, kvCacheMemory, int8);
        }
        if (d.equals("cpu")) {
            return new CpuBackend(cpuThreads, kvCacheMemory, int8);
        }
        if (d.equals("cuda") || d.startsWith("cuda:")) {
            int ordinal = 0;
            if (d.startsWith("cuda:")) {
                try {
                    ordinal = Integer.parseInt(d.substring(5));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad device '" + device + "' (expected cuda:N)");
                }
            }
            if (!CudaContext.kernelsBuilt()) {
                throw new ModelLoadException("CUDA kernels were not built (nvcc was not found at build time)");
            }
            return new CudaBackend(ordinal, gpuMemoryUtilization, kvCacheMemory);
        }
        throw new IllegalArgumentException("unknown device '" + device + "' (expected cpu, cuda, cuda:N or auto)");
    }
}
