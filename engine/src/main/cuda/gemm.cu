// Tensor-core GEMM  C[M, N] = A[M, K] · B[N, K]ᵀ  (bf16 in, fp32 accumulate, bf16 or fp32 out).
// Both operands are K-contiguous, which is exactly mma.sync's row.col form, so no transposes.
//
// Tile: BM x 128 x 32, 256 threads (8 warps), STAGES-deep cp.async pipeline, ldmatrix fragments,
// mma.sync.m16n8k16. Rows of 32 bf16 are padded to 40 (80 bytes) in shared memory so the eight
// 16-byte row segments one ldmatrix phase reads fall in eight different bank groups.
//   BM = 128 (warps 2x4, warp tile 64x32): prefill, M in the hundreds or more.
//   BM = 32  (warps 1x8, warp tile 32x16): decode batches 9..~256 and the MoE experts, whose
//            row counts are small; fewer wasted tensor-core rows and twice the blocks.
// gridDim.z > 1 is split-K: each z-slice writes an fp32 partial to ws[z, M, N] and
// ls_splitk_reduce_* sums them. Decode shapes (N = 2048, few M-tiles) need it to fill 132 SMs.
// GROUPED: blockIdx.y indexes tile_map (expert, first row) built on the GPU by ls_moe_scan; the
// expert's B comes from b_ptrs[expert], A rows are gathered through a_rows (token = slot / topk).
// FP8: B is E4M3 [N, K] with 128x128 block scales; each stage's B tile is loaded into registers
// one stage ahead, dequantised (× scale_inv) and stored to shared memory as bf16.
// Requires K % 8 == 0 (16-byte cp.async rows); the host falls back to the GEMV kernel otherwise.
#include "common.cuh"

#define BN 128
#define BK 32
#define LDS 40  // padded shared-memory row, in bf16
#define STAGES 3
#define THREADS 256

struct GemmArgs {
    const bf16 *A;            // [M, K] (or [T, K] gathered through a_rows)
    const void *B;            // [N, K] bf16 or fp8 (plain)
    const float *b_scale;     // fp8: [ceil(N/128), ceil(K/128)] (plain)
    const void *const *b_ptrs;        // grouped: [E] per-expert B
    const float *const *b_scale_ptrs; // grouped fp8: [E] per-expert scales
    const int *tile_map;      // grouped: [max_tiles, 2] (expert, first row); -1 past the end
    const int *offsets;       // grouped: [E + 1] first row of each expert in the permuted order
    const int *a_rows;        // grouped: [M] slot of each permuted row (A row = slot / topk), or null
    int topk;
    void *C;                  // [M, N]
    float *ws;                // split-K partials [splits, M, N]
    int M, N, K;
};

template <int BM, bool GROUPED, bool FP8, typename OutT>
__device__ __forceinline__ void gemm_body(const GemmArgs &g) {
    constexpr int WARPS_M = BM == 128 ? 2 : 1;
    constexpr int WARPS_N = 8 / WARPS_M;
    constexpr int WM = BM / WARPS_M;  // warp tile rows
    constexpr int WN = BN / WARPS_N;  // warp tile cols
    constexpr int MT = WM / 16, NT = WN / 8;
    extern __shared__ __align__(16) unsigned char smem_raw[];
    bf16 *As = reinterpret_cast<bf16 *>(smem_raw);  // [STAGES][BM][LDS]
    bf16 *Bs = As + STAGES * BM * LDS;               // [STAGES][BN][LDS]

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int wm = warp / WARPS_N, wn = warp % WARPS_N;
    const int n0 = blockIdx.x * BN;
    int m0, m_end, expert = 0;
    if (GROUPED) {
        int e = g.tile_map[2 * blockIdx.y];
        if (e < 0) return;  // the grid is an upper bound on the tiles the routing produced
        expert = e;
        m0 = g.tile_map[2 * blockIdx.y + 1];
        m_end = g.offsets[e + 1];
    } else {
        m0 = blockIdx.y * BM;
        m_end = g.M;
    }
    const void *Bp = GROUPED ? g.b_ptrs[expert] : g.B;
    const float *Bscale = FP8 ? (GROUPED ? g.b_scale_ptrs[expert] : g.b_scale) : nullptr;
    const int K = g.K, N = g.N;
    // split-K range, whole BK steps
    const int ksteps = (K + BK - 1) / BK;
    const int per = (ksteps + gridDim.z - 1) / gridDim.z;
    const int kt0 = blockIdx.z * per, kt1 = min(ksteps, kt0 + per);
    const int nk = max(0, kt1 - kt0);

    // A rows this thread copies: chunk i = (row, 16-byte column segment 0..3)
    auto load_a = [&](int stage, int kt) {
        int k0 = kt * BK;
        for (int i = tid; i < BM * 4; i += THREADS) {
            int r = i >> 2, c = (i & 3) * 8;
            int m = m0 + r;
            bool ok = m < m_end && k0 + c < K;
            const bf16 *src = g.A;
            if (ok) {
                int ar = GROUPED && g.a_rows ? g.a_rows[m] / g.topk : m;
                src = g.A + (size_t)ar * K + k0 + c;
            }
            cp_async16(As + (stage * BM + r) * LDS + c, src, ok ? 16 : 0);
        }
    };
    // bf16 B: 128 rows x 4 segments = 512 chunks, two per thread
    auto load_b = [&](int stage, int kt) {
        int k0 = kt * BK;
        const bf16 *B = static_cast<const bf16 *>(Bp);
#pragma unroll
        for (int j = 0; j < 2; j++) {
            int i = tid + j * THREADS;
            int r = i >> 2, c = (i & 3) * 8;
            bool ok = n0 + r < N && k0 + c < K;
            const bf16 *src = ok ? B + (size_t)(n0 + r) * K + k0 + c : B;
            cp_async16(Bs + (stage * BN + r) * LDS + c, src, ok ? 16 : 0);
        }
    };
    // fp8 B: 8 bytes per chunk into registers; converted and stored after this stage's math
    uint2 fp8reg[2];
    float fp8scale = 0.f;
    auto fetch_b8 = [&](int kt) {
        int k0 = kt * BK;
        const uint8_t *B = static_cast<const uint8_t *>(Bp);
        // BN = 128 and BK = 32 divide 128, so one scale covers the whole stage tile
        fp8scale = Bscale[(n0 / 128) * ((K + 127) / 128) + k0 / 128];
#pragma unroll
        for (int j = 0; j < 2; j++) {
            int i = tid + j * THREADS;
            int r = i >> 2, c = (i & 3) * 8;
            bool ok = n0 + r < N && k0 + c < K;
            fp8reg[j] = ok ? *reinterpret_cast<const uint2 *>(B + (size_t)(n0 + r) * K + k0 + c) : make_uint2(0, 0);
        }
    };
    auto store_b8 = [&](int stage) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            int i = tid + j * THREADS;
            int r = i >> 2, c = (i & 3) * 8;
            const uint8_t *q = reinterpret_cast<const uint8_t *>(&fp8reg[j]);
            __align__(16) bf16 v[8];
#pragma unroll
            for (int e = 0; e < 8; e++) v[e] = f2b(fp8e4m3_to_f32(q[e]) * fp8scale);
            *reinterpret_cast<uint4 *>(Bs + (stage * BN + r) * LDS + c) = *reinterpret_cast<uint4 *>(v);
        }
    };

    float acc[MT][NT][4];
#pragma unroll
    for (int a = 0; a < MT; a++)
#pragma unroll
        for (int b = 0; b < NT; b++)
#pragma unroll
            for (int c = 0; c < 4; c++) acc[a][b][c] = 0.f;

    // Prologue: STAGES-1 stages in flight.
#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < nk) {
            load_a(s, kt0 + s);
            if (FP8) {
                fetch_b8(kt0 + s);
                store_b8(s);
            } else {
                load_b(s, kt0 + s);
            }
        }
        cp_async_commit();
    }

    for (int it = 0; it < nk; it++) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();
        // Issue the stage STAGES-1 ahead before the math so copies overlap the mma work.
        int nxt = it + STAGES - 1;
        int ns = nxt % STAGES;
        if (nxt < nk) {
            load_a(ns, kt0 + nxt);
            if (FP8) fetch_b8(kt0 + nxt);
            else load_b(ns, kt0 + nxt);
        }
        cp_async_commit();
        const int st = it % STAGES;
        const bf16 *as = As + st * BM * LDS;
        const bf16 *bs = Bs + st * BN * LDS;
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            uint32_t af[MT][4], bfr[NT][2];
#pragma unroll
            for (int a = 0; a < MT; a++)
                ldmatrix_x4(af[a], as + (wm * WM + a * 16 + (lane & 15)) * LDS + kk + (lane >> 4) * 8);
#pragma unroll
            for (int b = 0; b < NT; b += 2) {
                uint32_t r[4];
                ldmatrix_x4(r, bs + (wn * WN + b * 8 + (lane & 7) + ((lane >> 4) << 3)) * LDS + kk + ((lane >> 3) & 1) * 8);
                bfr[b][0] = r[0];
                bfr[b][1] = r[1];
                bfr[b + 1][0] = r[2];
                bfr[b + 1][1] = r[3];
            }
#pragma unroll
            for (int a = 0; a < MT; a++)
#pragma unroll
                for (int b = 0; b < NT; b++) mma_bf16_16816(acc[a][b], af[a], bfr[b]);
        }
        if (FP8 && nxt < nk) {
            // stage ns was last read in iteration it-1, fenced by this iteration's __syncthreads
            store_b8(ns);
        }
    }
    cp_async_wait<0>();

    // Epilogue. Accumulator (a, b, c): row g (+8 for c >= 2), cols 2·tig + (c & 1).
    const int gq = lane >> 2, tig = lane & 3;
    const bool split = gridDim.z > 1;
#pragma unroll
    for (int a = 0; a < MT; a++)
#pragma unroll
        for (int b = 0; b < NT; b++)
#pragma unroll
            for (int c = 0; c < 4; c++) {
                int m = m0 + wm * WM + a * 16 + gq + (c >= 2 ? 8 : 0);
                int n = n0 + wn * WN + b * 8 + tig * 2 + (c & 1);
                if (m < m_end && n < N) {
                    if (split) g.ws[((size_t)blockIdx.z * g.M + m) * N + n] = acc[a][b][c];
                    else store_out(static_cast<OutT *>(g.C) + (size_t)m * N + n, acc[a][b][c]);
                }
            }
}

#define GEMM_KERNEL(name, BM_, GROUPED_, FP8_, OUT_) \
    extern "C" __global__ void __launch_bounds__(THREADS) name(GemmArgs g) { gemm_body<BM_, GROUPED_, FP8_, OUT_>(g); }

GEMM_KERNEL(ls_gemm_bm128_bf16, 128, false, false, bf16)
GEMM_KERNEL(ls_gemm_bm32_bf16, 32, false, false, bf16)
GEMM_KERNEL(ls_gemm_bm128_f32, 128, false, false, float)
GEMM_KERNEL(ls_gemm_bm128_fp8w, 128, false, true, bf16)
GEMM_KERNEL(ls_gemm_bm32_fp8w, 32, false, true, bf16)
GEMM_KERNEL(ls_gemm_grouped_bf16, 32, true, false, bf16)
GEMM_KERNEL(ls_gemm_grouped_f32, 32, true, false, float)  // expert products kept fp32 until silu / combine
GEMM_KERNEL(ls_gemm_grouped_fp8w, 32, true, true, bf16)

// out[i] = Σ_z ws[z, i] over MN elements. Flat grid.
extern "C" __global__ void ls_splitk_reduce_bf16(const float *__restrict__ ws, bf16 *__restrict__ out, int splits, size_t mn) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= mn) return;
    float s = 0.f;
    for (int z = 0; z < splits; z++) s += ws[z * mn + i];
    out[i] = f2b(s);
}
extern "C" __global__ void ls_splitk_reduce_f32(const float *__restrict__ ws, float *__restrict__ out, int splits, size_t mn) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= mn) return;
    float s = 0.f;
    for (int z = 0; z < splits; z++) s += ws[z * mn + i];
    out[i] = s;
}
