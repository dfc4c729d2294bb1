package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.ModelFactory;
import org.junit.jupiter.api.Test;

/** The memory plan: the GPU arithmetic before loading, and the cache a loaded model gets from one setting. */
class MemoryPlanTest {
    private static final LingConfig MINI = Presets.get("ling-mini-2.0");

    @Test
    void gpuPlanOnLingMini() {
        assertEquals(40_960, MemoryPlan.kvBytesPerToken(MINI)); // 20 layers · 2 · 4 · 128 · 2 B
        long w = MemoryPlan.weightBytes(MINI, false);
        assertEquals(32.5e9, w, 0.1e9);                         // 16.26 B params × 2 B
        long h100 = 79L * 1024 * 1024 * 1024 + 600L * 1024 * 1024;
        MemoryPlan p = MemoryPlan.plan(MINI, false, h100, 0.9, 4096);
        assertEquals(16, p.blockSize());
        assertEquals(40_960L * 16, p.kvBlockBytes());
        long budget = (long) (h100 * 0.9) - MemoryPlan.RESERVE;
        assertEquals(budget - p.weightBytes() - p.activationBytes(), p.cacheBudget());
        assertTrue(p.kvBytes() <= p.cacheBudget() && p.cacheBudget() - p.kvBytes() < p.kvBlockBytes(), p.toString());
        // ~36 GB of KV left: about 0.9 M tokens, the performance notes' ~1.0 M at 80 GB
        assertTrue(p.kvTokens() > 700_000 && p.kvTokens() < 1_100_000, p.toString());
        assertTrue(MemoryPlan.weightBytes(MINI, true) < w * 0.6, "fp8 roughly halves the weights");
    }

    @Test
    void gpuPlanFailsEarlyWithTheArithmetic() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> MemoryPlan.plan(MINI, false, 24L << 30, 0.9, 4096));
        assertTrue(e.getMessage().contains("does not fit") && e.getMessage().contains("weights"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MemoryPlan.plan(MINI, false, 80L << 30, 1.5, 1));
    }

    @Test
    void cpuCacheComesFromTheKvCacheMemorySetting() {
        LingConfig tiny = Presets.get("tiny"); // 4 layers, 2 kv heads of 16: 1 KiB of fp32 K and V per token
        try (CausalLm m = ModelFactory.randomModel(tiny, new CpuBackend(1, 1L << 20), 1)) {
            MemoryPlan p = MemoryPlan.forModel(m, 512, 64);
            assertEquals(16 * 1024, p.kvBlockBytes());
            assertEquals(64, p.kvBlocks());
            assertEquals(1024, p.kvTokens());
            assertEquals(0, p.slots());
        }
        try (CausalLm m = ModelFactory.randomModel(tiny, new CpuBackend(1, 1000), 1)) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> MemoryPlan.forModel(m, 512, 64));
            assertTrue(e.getMessage().contains("--kv-cache-memory"), e.getMessage());
        }
    }
}
