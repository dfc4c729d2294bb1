package io.lingspark.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lingspark.engine.runtime.CpuWeights;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The functions' engine options map onto the engine's: here the CPU weight mode (stored unless asked). */
class UdfEngineOptionsTest {
    @Test
    void cpuWeightsComeFromTheOptionsMap() {
        assertEquals(CpuWeights.STORED, new UdfEngines.Spec("/m", Map.of()).toOptions().cpuWeights());
        assertEquals(CpuWeights.INT8, new UdfEngines.Spec("/m", Map.of("cpu_weights", "int8")).toOptions().cpuWeights());
        assertThrows(IllegalArgumentException.class,
            () -> new UdfEngines.Spec("/m", Map.of("cpu_weights", "int4")).toOptions());
    }
}
