package io.lingspark.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The driver's 16 UUID bytes print as nvidia-smi prints them (GpuAddresses matches on that text). */
class CudaUuidTest {
    @Test
    void formatsLikeNvidiaSmi() {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) (0xf0 + i);
        }
        b[0] = 0x0a;
        assertEquals("GPU-0af1f2f3-f4f5-f6f7-f8f9-fafbfcfdfeff", CudaContext.formatUuid(b));
    }
}
