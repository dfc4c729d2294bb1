package io.lingspark.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.model.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUDA backend against the CPU reference and the upstream fixtures. Skips itself unless the
 * kernels were built and a CUDA device initialises (JCuda natives, driver and a GPU).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaGpuParityTest {
    private CudaBackend gpu;
    private CpuBackend cpu;

    @BeforeAll
    void open() {
        assumeTrue(CudaContext.kernelsBuilt(), "CUDA kernels not built");
        assumeTrue(CudaContext.deviceAvailable(), "no CUDA device");
        gpu = new CudaBackend(0, 0.5);
        cpu = new CpuBackend(2);
    }

    @AfterAll
    void close() {
        if (gpu != null) {
            gpu.close();
            cpu.close();
        }
    }

    /** Ling-mini-2.0 projections (decode rows, split-K batches, prefill tiles), lm_head, odd sizes. */
    @ParameterizedTest
    @CsvSource({"1,3072,2048", "1,2048,2048", "3,1024,2048", "8,2048,512", "9,2048,2048", "64,2048,5120",
        "300,1024,2048", "1024,3072,2048", "13,77,40", "5,33,17", "1,157184,2048"})
    void gemmMatchesCpu(int m, int n, int k) {
        double e = CudaParity.matmulRelError(gpu, cpu, m, n, k, m * 31L + n);
        assertTrue(e <= 1e-2, m + "x" + n + "x" + k + ": relative error " + e);
    }

    @org.junit.jupiter.api.Test
    void engineOnTheGpuPreemptsWithUnchangedOutput() throws Exception {
        Map<String, Object> r = CudaParity.enginePreemption(Fixtures.dir("tiny-ling-v2"));
        assertTrue((boolean) r.get("pass"), r.toString());
    }

    @ParameterizedTest
    @CsvSource({"tiny-ling-v2,0.96,0.10", "tiny-ling-v2-yarn,0.94,0.10", "tiny-ling-v2-fp8,0.97,0.08"})
    void fixturesThroughTheCudaBackend(String name, double top1, double meanDelta) throws Exception {
        Map<String, Object> r = CudaParity.fixture(gpu, Fixtures.dir(name));
        assertTrue((double) r.get("top1") >= top1, name + " " + r);
        assertTrue((double) r.get("meanAbsDelta") <= 1.5 * meanDelta, name + " " + r);
        assertEquals(0, r.get("greedyPromptsDiverged"), name + " " + r);
    }
}
