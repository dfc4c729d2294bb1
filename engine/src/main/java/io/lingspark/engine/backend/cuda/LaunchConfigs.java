package io.lingspark.engine.backend.cuda;

/**
 * Grid, block and shared-memory sizes for every kernel, as pure functions of the shapes (tested on
 * the host). The numbers mirror the constants in engine/src/main/cuda/*.cu: keep them in step.
 */
public final class LaunchConfigs {
    private LaunchConfigs() {
    }

    static final int ROW_THREADS = 256;
    static final int GEMV_MAX_ROWS = 8;     // GEMV_MAXM
    static final int GEMV_WARPS = 4;        // columns per GEMV block
    static final int TILE_N = 128;          // BN
    static final int TILE_K = 32;           // BK
    static final int LDS = 40;              // padded smem row (bf16)
    static final int STAGES = 3;
    static final int ATT_KEYS = 32;         // ATT_KT
    static final int ATT_PREFILL_ROWS = 16; // QR for prefill tiles
    static final int MOE_TILE_ROWS = 32;    // BM of the grouped GEMM

    /** Kernels for C = A·Wᵀ by shape: GEMV for few rows, else the tensor-core tile (bm32/bm128) with split-K. */
    public static Launch gemm(int m, int n, int k, boolean fp8, boolean f32Out, int smCount) {
        if (m <= GEMV_MAX_ROWS || k % 8 != 0) {
            String name = fp8 ? "ls_gemv_fp8w" : f32Out ? "ls_gemv_f32" : "ls_gemv_bf16";
            return new Launch(name, ceil(n, GEMV_WARPS), ceil(m, GEMV_MAX_ROWS), 1, 32 * GEMV_WARPS, 0);
        }
        int bm = m <= 256 ? 32 : 128;
        String name = "ls_gemm_bm" + bm + (fp8 ? "_fp8w" : f32Out ? "_f32" : "_bf16");
        if (f32Out && bm == 32) {
            name = "ls_gemm_bm128_f32"; // the router: only the 128-row fp32 variant is built
            bm = 128;
        }
        int tiles = ceil(n, TILE_N) * ceil(m, bm);
        return new Launch(name, ceil(n, TILE_N), ceil(m, bm), splitK(tiles, k, smCount), 256, gemmSmem(bm));
    }

    /** Split-K slices so that about two waves of blocks fill the SMs; each slice keeps >= 4 K-steps. */
    public static int splitK(int tiles, int k, int smCount) {
        if (tiles >= smCount) {
            return 1; // already a full wave: partials would only add traffic
        }
        int steps = ceil(k, TILE_K);
        int want = ceil(2 * smCount, tiles);
        return Math.max(1, Math.min(Math.min(want, steps / 4), 16));
    }

    public static int gemmSmem(int bm) {
        return STAGES * (bm + TILE_N) * LDS * 2;
    }

    /** Grouped expert GEMM: upper bound on 32-row tiles over T·k routed rows and E experts. */
    public static int moeMaxTiles(int slots, int experts) {
        return slots / MOE_TILE_ROWS + Math.min(experts, slots);
    }

    /** f32Out (bf16 weights only): the expert products stay fp32 until silu·up / the combine. */
    public static Launch groupedGemm(int slots, int experts, int n, boolean fp8, boolean f32Out) {
        String name = fp8 ? "ls_gemm_grouped_fp8w" : f32Out ? "ls_gemm_grouped_f32" : "ls_gemm_grouped_bf16";
        return new Launch(name, ceil(n, TILE_N),
                moeMaxTiles(slots, experts), 1, 256, gemmSmem(MOE_TILE_ROWS));
    }

    public static Launch rows(String kernel, int rows) {
        return Launch.of(kernel, rows, ROW_THREADS);
    }

    /** One block per row; the row is staged in shared memory as fp32 (ls_rmsnorm, ls_rmsnorm_f32*). */
    public static Launch rmsNorm(String kernel, int rows, int cols) {
        return new Launch(kernel, rows, 1, 1, ROW_THREADS, cols * 4);
    }

    public static Launch flat(String kernel, long count) {
        return Launch.of(kernel, (int) Math.max(1, Math.min(Integer.MAX_VALUE, (count + 255) / 256)), 256);
    }

    public static Launch qkNormRope(int rows, int heads) {
        return new Launch("ls_qk_norm_rope", rows, ceil(heads, 4), 1, 128, 0);
    }

    /** Attention shared memory: the tile's q rows for the group, plus padded K and V tiles. */
    public static int attentionSmem(int qr, int group, int d) {
        return (qr * group * d + 2 * ATT_KEYS * (d + 2)) * 2;
    }

    /**
     * Split-KV slices for decode: few sequences leave most SMs idle (batch 1 with 4 kv heads is 4
     * blocks), so the keys are cut into slices merged by ls_attn_combine. Depends only on the batch
     * shape, never on the context length, so a captured graph stays valid as the context grows.
     */
    public static int attentionSplits(int tiles, int kvHeads, int smCount, boolean decode) {
        if (!decode) {
            return 1;
        }
        int blocks = tiles * kvHeads;
        return Math.max(1, Math.min(16, ceil(2 * smCount, blocks)));
    }

    /** Rows per attention tile: 1 for decode; prefill fills the kernel's 64 (row, head) pairs (16 per warp). */
    public static int attentionRows(boolean decode, int group) {
        return decode ? 1 : Math.max(1, 64 / group);
    }

    /** The decode kernel holds one (row, head) pair per warp, so it serves groups of up to 4 heads. */
    public static Launch attention(int tiles, int kvHeads, int splits, boolean decode, int group, int d) {
        int qr = attentionRows(decode, group);
        boolean small = decode && group <= 4;
        return new Launch(small ? "ls_attention_decode" : "ls_attention_prefill", tiles, kvHeads, splits, 128,
                attentionSmem(qr, group, d));
    }

    public static Launch moeExpertGemv(String kernel, int slots, int experts, int cols) {
        return new Launch(kernel, Math.min(experts, slots), ceil(cols, 4), 1, 128, 0);
    }

    static int ceil(long a, long b) {
        return (int) ((a + b - 1) / b);
    }
}
