package io.lingspark.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.runtime.Backends;
import io.lingspark.engine.step.ForwardBatch;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Host-side logic of the CUDA backend; runs everywhere, no GPU needed. */
class CudaHostLogicTest {
    private static final LingConfig MINI = Presets.get("ling-mini-2.0");

    @Test
    void stepMetadataForDecodeAndPrefill() {
        int[] t0 = {0, 1, 2};
        int[] t1 = {3, 4};
        // prefill: 40 rows of s0 then 20 rows of s1; group 4 -> 16-row tiles
        ForwardBatch pre = ForwardBatch.builder().add(0, new int[40], 0, 40, 0, t0, -1, ForwardBatch.Logits.LAST)
            .add(1, new int[20], 0, 20, 0, t1, -1, ForwardBatch.Logits.LAST).build();
        StepMetadata m = StepMetadata.of(pre, CudaAttention.tableWidth(3), 4);
        assertFalse(m.decode());
        assertEquals(64, m.maxBlocks());
        assertEquals(5, m.nTiles()); // 16+16+8, 16+4
        assertArrayEquals(new int[] {0, 16, 16, 16, 32, 8, 40, 16, 56, 4}, m.tiles());
        assertEquals(1, m.rowSeq()[45]);
        assertEquals(45 - 40, m.positions()[45]);
        assertEquals(t1[1], m.blockTable()[64 + 1]);
        ForwardBatch dec = ForwardBatch.builder().add(0, new int[1], 0, 1, 40, t0, -1, ForwardBatch.Logits.LAST)
            .add(1, new int[1], 0, 1, 20, t1, -1, ForwardBatch.Logits.LAST).build();
        StepMetadata d = StepMetadata.of(dec, 64, 4);
        assertTrue(d.decode());
        assertArrayEquals(new int[] {0, 1, 1, 1}, d.tiles());
        assertArrayEquals(new int[] {40, 20}, d.positions());
        assertEquals(64, CudaAttention.tableWidth(64));
        assertEquals(128, CudaAttention.tableWidth(65));
    }

    @Test
    void launchConfigsForLingMiniShapes() {
        int sms = 132;
        Launch dec = LaunchConfigs.gemm(1, 3072, 2048, false, false, sms);
        assertEquals("ls_gemv_bf16", dec.kernel());
        assertEquals(768, dec.gx());
        Launch lm = LaunchConfigs.gemm(1, 157184, 2048, false, false, sms);
        assertEquals(39296, lm.gx());
        Launch b64 = LaunchConfigs.gemm(64, 2048, 2048, false, false, sms);
        assertEquals("ls_gemm_bm32_bf16", b64.kernel());
        assertTrue(b64.gz() > 1, "split-K fills the SMs: 16·2 tiles only");
        assertTrue(b64.gx() * b64.gy() * b64.gz() >= sms);
        Launch pre = LaunchConfigs.gemm(1024, 3072, 2048, false, false, sms);
        assertEquals("ls_gemm_bm128_bf16", pre.kernel());
        assertEquals(1, pre.gz());
        assertEquals(61_440, pre.smem()); // 3 stages × (128 + 128) × 40 × 2 B: above 48 KB, opt-in
        assertEquals("ls_gemv_f32", LaunchConfigs.gemm(1, 256, 2048, false, true, sms).kernel());
        assertEquals("ls_gemm_bm128_f32", LaunchConfigs.gemm(100, 256, 2048, false, true, sms).kernel());
        assertEquals("ls_gemv_bf16", LaunchConfigs.gemm(20, 77, 41, false, false, sms).kernel(), "K % 8 != 0 falls back");
        assertEquals(16, LaunchConfigs.attentionSplits(1, 4, sms, true));
        assertEquals(1, LaunchConfigs.attentionSplits(256, 4, sms, true));
        assertEquals(1, LaunchConfigs.attentionSplits(64, 4, sms, false));
        Launch att = LaunchConfigs.attention(64, 4, 1, false, 4, 128);
        assertEquals("ls_attention_prefill", att.kernel());
        assertTrue(att.smem() <= 48 * 1024, "attention fits the default shared memory");
        assertEquals(1280, LaunchConfigs.groupedGemm(4096 * 8, 256, 1024, false, false).gy());
        assertEquals(8, LaunchConfigs.moeExpertGemv("k", 8, 256, 512).gx());
    }

    @Test
    void expertGroupingIsAPermutationGroupedByExpert() {
        SplittableRandom r = new SplittableRandom(7);
        int t = 50;
        int k = 8;
        int e = 256;
        int[] ids = new int[t * k];
        for (int i = 0; i < t; i++) {
            int[] pick = r.ints(0, e).distinct().limit(k).toArray();
            System.arraycopy(pick, 0, ids, i * k, k);
        }
        int maxTiles = LaunchConfigs.moeMaxTiles(ids.length, e);
        ExpertGrouping g = ExpertGrouping.of(ids, e, 32, maxTiles);
        assertEquals(ids.length, g.offsets()[e]);
        boolean[] seen = new boolean[ids.length];
        for (int p = 0; p < ids.length; p++) {
            int s = g.perm()[p];
            assertFalse(seen[s]);
            seen[s] = true;
            assertEquals(p, g.slotPos()[s]);
            assertTrue(p >= g.offsets()[ids[s]] && p < g.offsets()[ids[s] + 1], "row inside its expert's range");
        }
        long activeCount = Arrays.stream(g.counts()).filter(c -> c > 0).count();
        assertEquals(activeCount, Arrays.stream(g.active()).filter(a -> a >= 0).count());
        int tiles = 0;
        for (int c : g.counts()) {
            tiles += (c + 31) / 32;
        }
        assertTrue(tiles <= maxTiles);
        assertEquals(-1, g.tileMap()[2 * tiles]);
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3f80, Bf16.round(1.0f));
        assertEquals((short) 0x3f80, Bf16.round(Float.intBitsToFloat(0x3f808000))); // tie -> even
        assertEquals((short) 0x3f82, Bf16.round(Float.intBitsToFloat(0x3f818000))); // tie -> even (up)
        assertEquals(1.0f, Bf16.widen(Bf16.round(1.0f)));
    }

    @Test
    void fatbinPackagedWhenNvccExists() {
        assumeTrue(CudaContext.kernelsBuilt(), "kernels not built here (no nvcc, or -Dcuda.skip=true)");
        byte[] image = CudaContext.fatbin();
        assertTrue(image.length > 100_000);
        // fatbin magic 0xBA55ED50, little-endian
        assertEquals(0x50, image[0] & 0xff);
        assertEquals(0xED, image[1] & 0xff);
    }

    @Test
    void cudaDeviceWithoutKernelsOrGpuIsAClearError() {
        assumeTrue(!CudaContext.kernelsBuilt() || !CudaContext.deviceAvailable());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Backends.open("cuda", 1, 0.9, 0));
        assertTrue(e.getMessage().contains("CUDA"), e.getMessage());
        try (var be = Backends.open("auto", 1, 0.9, 0)) {
            assertTrue(be.name().startsWith("cpu"));
        }
    }
}
