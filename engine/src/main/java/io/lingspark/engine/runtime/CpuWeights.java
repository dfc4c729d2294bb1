package io.lingspark.engine.runtime;

/**
 * How the CPU backend holds a checkpoint's bf16 linear weights ({@code --cpu-weights}).
 */
public enum CpuWeights {
    /** As the checkpoint stores them (bf16, FP8), read in place from the mapped files: the default. */
    STORED,
    /**
     * int8 with one fp32 scale per row, quantized while loading onto the heap: half the bytes a batch-1
     * decode step streams, other numbers than the checkpoint's. Opt-in, never chosen for the user; the
     * embedding table, MoE routers, norms and FP8 weights stay as stored. GPUs ignore it.
     */
    INT8;

    /** "stored" or "int8", any case. */
    public static CpuWeights parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "stored" -> STORED;
            case "int8" -> INT8;
            default -> throw new IllegalArgumentException("--cpu-weights must be stored or int8, got '" + s + "'");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
