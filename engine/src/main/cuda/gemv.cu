// Decode GEMM for few rows (M <= 8): C[M, N] = A[M, K] · W[N, K]ᵀ. At batch 1..8 every weight byte
// is used M times at most, so the kernel is a pure weight stream: one warp per output column,
// 16-byte loads (8 bf16 or 16 fp8) per lane, the M activation rows read through L1 (they are tiny
// and shared by all warps), fp32 accumulation, one warp reduction per column and row.
// grid (ceil(N / 4)), block 128 (4 warps). N = 2048 gives 512 blocks, ~4 per SM on an H100, which
// keeps enough loads in flight to approach the HBM bandwidth. Any K works: a scalar tail covers
// K % 8 (or K % 16 for fp8) and rows whose start is not 16-byte aligned.
#include "common.cuh"

#define GEMV_MAXM 8
#define GEMV_WARPS 4

template <typename OutT>
__device__ __forceinline__ void gemv_bf16_body(const bf16 *__restrict__ A, const bf16 *__restrict__ W,
                                               OutT *__restrict__ C, int M, int N, int K) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int n = blockIdx.x * GEMV_WARPS + warp;
    if (n >= N) return;
    float acc[GEMV_MAXM];
#pragma unroll
    for (int m = 0; m < GEMV_MAXM; m++) acc[m] = 0.f;
    const bf16 *w = W + (size_t)n * K;
    int kv = (K % 8 == 0) ? K : 0;  // vector part (rows 16-byte aligned only when K % 8 == 0)
#pragma unroll 4
    for (int k = lane * 8; k < kv; k += 32 * 8) {
        float wf[8];
        unpack8(__ldg(reinterpret_cast<const uint4 *>(w + k)), wf);
#pragma unroll
        for (int m = 0; m < GEMV_MAXM; m++) {
            if (m < M) {
                float af[8];
                unpack8(__ldg(reinterpret_cast<const uint4 *>(A + (size_t)m * K + k)), af);
#pragma unroll
                for (int e = 0; e < 8; e++) acc[m] = fmaf(af[e], wf[e], acc[m]);
            }
        }
    }
    for (int k = kv + lane; k < K; k += 32) {
        float wv = b2f(w[k]);
#pragma unroll
        for (int m = 0; m < GEMV_MAXM; m++)
            if (m < M) acc[m] = fmaf(b2f(A[(size_t)m * K + k]), wv, acc[m]);
    }
#pragma unroll
    for (int m = 0; m < GEMV_MAXM; m++) {
        if (m < M) {
            float s = warp_sum(acc[m]);
            if (lane == 0) store_out(C + (size_t)m * N + n, s);
        }
    }
}

// A [M, K] bf16, W [N, K] bf16, C [M, N]. M <= 8.
extern "C" __global__ void __launch_bounds__(128) ls_gemv_bf16(const bf16 *A, const bf16 *W, bf16 *C, int M, int N, int K) {
    gemv_bf16_body<bf16>(A, W, C, M, N, K);
}
extern "C" __global__ void __launch_bounds__(128) ls_gemv_f32(const bf16 *A, const bf16 *W, float *C, int M, int N, int K) {
    gemv_bf16_body<float>(A, W, C, M, N, K);
}

// FP8 E4M3 weights [N, K] with scale_inv [ceil(N/128), ceil(K/128)]: half the bytes of bf16, so
// twice the decode ceiling. The per-16-element scale never straddles a 128-column block.
extern "C" __global__ void __launch_bounds__(128) ls_gemv_fp8w(const bf16 *__restrict__ A, const uint8_t *__restrict__ W,
                                                               const float *__restrict__ scale_inv, bf16 *__restrict__ C,
                                                               int M, int N, int K) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int n = blockIdx.x * GEMV_WARPS + warp;
    if (n >= N) return;
    float acc[GEMV_MAXM];
#pragma unroll
    for (int m = 0; m < GEMV_MAXM; m++) acc[m] = 0.f;
    const uint8_t *w = W + (size_t)n * K;
    const float *srow = scale_inv + (size_t)(n / 128) * ((K + 127) / 128);
    int kv = (K % 16 == 0) ? K : 0;
    for (int k = lane * 16; k < kv; k += 32 * 16) {
        uint4 q = __ldg(reinterpret_cast<const uint4 *>(w + k));
        const uint8_t *qb = reinterpret_cast<const uint8_t *>(&q);
        float sc = srow[k / 128];
        float wf[16];
#pragma unroll
        for (int e = 0; e < 16; e++) wf[e] = fp8e4m3_to_f32(qb[e]) * sc;
#pragma unroll
        for (int m = 0; m < GEMV_MAXM; m++) {
            if (m < M) {
                float a0[8], a1[8];
                unpack8(__ldg(reinterpret_cast<const uint4 *>(A + (size_t)m * K + k)), a0);
                unpack8(__ldg(reinterpret_cast<const uint4 *>(A + (size_t)m * K + k + 8)), a1);
#pragma unroll
                for (int e = 0; e < 8; e++) acc[m] = fmaf(a0[e], wf[e], fmaf(a1[e], wf[e + 8], acc[m]));
            }
        }
    }
    for (int k = kv + lane; k < K; k += 32) {
        float wv = fp8e4m3_to_f32(w[k]) * srow[k / 128];
#pragma unroll
        for (int m = 0; m < GEMV_MAXM; m++)
            if (m < M) acc[m] = fmaf(b2f(A[(size_t)m * K + k]), wv, acc[m]);
    }
#pragma unroll
    for (int m = 0; m < GEMV_MAXM; m++) {
        if (m < M) {
            float s = warp_sum(acc[m]);
            if (lane == 0) C[(size_t)m * N + n] = f2b(s);
        }
    }
}
