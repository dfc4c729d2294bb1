package io.lingspark.engine.backend;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.ModelLoadException;

/** Opens the backend a {@code --device} value names: cpu, cuda, cuda:N, auto. */
public final class Backends {
    private Backends() {
    }

    /**
     * @param device     "cpu", "cuda", "cuda:N" or "auto" (null means cpu)
     * @param cpuThreads threads for the CPU backend (0: all cores)
     * @param gpuMemoryUtilization fraction of GPU memory the CUDA backend may plan for
     */
    public static Backend open(String device, int cpuThreads, double gpuMemoryUtilization) {
        String d = device == null ? "cpu" : device.trim().toLowerCase(java.util.Locale.ROOT);
        if (d.equals("cpu") || d.equals("auto")) {
            return new CpuBackend(cpuThreads);
        }
        if (d.equals("cuda") || d.startsWith("cuda:")) {
            throw new ModelLoadException("the CUDA backend is not available in this build");
        }
        throw new IllegalArgumentException("unknown device '" + device + "' (expected cpu, cuda, cuda:N or auto)");
    }
}
