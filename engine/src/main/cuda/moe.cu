// Routed experts on the GPU (§2.4 MoE steps 1-7), no host round trip, graph-capturable: every
// data-dependent size (tokens per expert, tiles) stays in device memory and grids are upper bounds.
//   1. router logits [T, E] fp32: the GEMM/GEMV kernels with fp32 output
//   2. ls_moe_route:   sigmoid, + bias, group-limited top-k, normalised weights × scale; counts[e]++
//   3. ls_moe_scan:    offsets [E+1] (prefix sums), active expert list, BM=32 tile map for the GEMM
//   4. ls_moe_scatter: perm [T·k] (permuted row -> slot t·k+j), slot_pos [T·k] (slot -> row)
//   5. experts: decode (T <= 8): ls_moe_gateup_gemv (gate and up rows read together, SiLU·up fused)
//      and ls_moe_down_gemv; prefill: ls_gemm_grouped_* + ls_silu_mul + ls_gemm_grouped_*
//   6. ls_moe_combine: out[t] = bf16(Σ_j w[t, j] · y[slot_pos[t·k + j]]), fp32, in j order
// Expert weights are addressed through device pointer arrays [E] (gate|up [2m, H], down [H, m]).
#include "common.cuh"

#define MOE_MAXE 1024

// grid (T), block 256. logits [T, E] fp32, bias [E] fp32 or null; ids [T, k] int, wts [T, k] fp32,
// counts [E] int (zeroed before the launch). Requires E % n_group == 0 and n_group <= 32.
extern "C" __global__ void ls_moe_route(const float *__restrict__ logits, const float *__restrict__ bias, int E, int k,
                                        int n_group, int topk_group, float scaling, int *__restrict__ ids,
                                        float *__restrict__ wts, int *__restrict__ counts) {
    __shared__ float s[MOE_MAXE], sel[MOE_MAXE], gscore[32];
    __shared__ int keep[32], chosen[64];
    int t = blockIdx.x, tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    for (int i = tid; i < E; i += blockDim.x) {
        float v = 1.f / (1.f + expf(-logits[(size_t)t * E + i]));
        s[i] = v;
        sel[i] = bias ? v + bias[i] : v;  // the bias only chooses; weights use s
    }
    __syncthreads();
    int per = E / n_group;
    if (warp == 0) {
        if (lane < n_group) {  // group score: sum of the two largest biased scores
            float a = -INFINITY, b = -INFINITY;
            for (int i = lane * per; i < (lane + 1) * per; i++) {
                float v = sel[i];
                if (v > a) { b = a; a = v; } else if (v > b) b = v;
            }
            gscore[lane] = a + b;
            keep[lane] = 0;
        }
        __syncwarp();
        if (lane == 0) {
            for (int j = 0; j < topk_group; j++) {  // first best on ties, as the host reference
                int best = -1;
                for (int g = 0; g < n_group; g++)
                    if (!keep[g] && (best < 0 || gscore[g] > gscore[best])) best = g;
                keep[best] = 1;
            }
        }
        __syncwarp();
        // k rounds of a warp argmax over the kept experts not yet taken; ties -> lowest index
        for (int j = 0; j < k; j++) {
            float bv = -INFINITY;
            int bi = 0x7fffffff;
            for (int i = lane; i < E; i += 32) {
                if (!keep[i / per]) continue;
                bool taken = false;
                for (int q = 0; q < j; q++) taken |= chosen[q] == i;
                if (taken) continue;
                if (sel[i] > bv || (sel[i] == bv && i < bi)) { bv = sel[i]; bi = i; }
            }
            for (int o = 16; o > 0; o >>= 1) {
                float ov = __shfl_xor_sync(0xffffffffu, bv, o);
                int oi = __shfl_xor_sync(0xffffffffu, bi, o);
                if (ov > bv || (ov == bv && oi < bi)) { bv = ov; bi = oi; }
            }
            if (lane == 0) chosen[j] = bi;
            __syncwarp();
        }
        if (lane == 0) {
            float den = 0.f;
            for (int j = 0; j < k; j++) den += s[chosen[j]];
            den += 1e-20f;
            for (int j = 0; j < k; j++) {
                int e = chosen[j];
                ids[t * k + j] = e;
                wts[t * k + j] = (k > 1 ? s[e] / den : s[e]) * scaling;
                atomicAdd(&counts[e], 1);
            }
        }
    }
}

// grid (1), block 256. counts [E] -> offsets [E + 1], active [E] (expert ids with tokens, then -1),
// tile_map [max_tiles, 2] (expert, first row of a 32-row tile; -1 past the end), cursor [E] = 0.
extern "C" __global__ void ls_moe_scan(const int *__restrict__ counts, int E, int *__restrict__ offsets,
                                       int *__restrict__ active, int *__restrict__ tile_map, int max_tiles,
                                       int *__restrict__ cursor) {
    __shared__ int off[MOE_MAXE + 1], toff[MOE_MAXE + 1], aoff[MOE_MAXE + 1];
    if (threadIdx.x == 0) {  // E <= 1024: a serial scan is a few microseconds and simplest
        off[0] = toff[0] = aoff[0] = 0;
        for (int e = 0; e < E; e++) {
            int c = counts[e];
            off[e + 1] = off[e] + c;
            toff[e + 1] = toff[e] + (c + 31) / 32;
            aoff[e + 1] = aoff[e] + (c > 0);
        }
    }
    __syncthreads();
    for (int e = threadIdx.x; e <= E; e += blockDim.x) offsets[e] = off[e];
    for (int e = threadIdx.x; e < E; e += blockDim.x) {
        cursor[e] = 0;
        active[e] = -1;
    }
    __syncthreads();
    for (int e = threadIdx.x; e < E; e += blockDim.x) {
        if (off[e + 1] > off[e]) active[aoff[e]] = e;
        for (int i = toff[e]; i < toff[e + 1] && i < max_tiles; i++) {
            tile_map[2 * i] = e;
            tile_map[2 * i + 1] = off[e] + (i - toff[e]) * 32;
        }
    }
    for (int i = toff[E] + threadIdx.x; i < max_tiles; i += blockDim.x) tile_map[2 * i] = -1;
}

// Flat grid over T·k slots. Row order within an expert is whatever the atomics give; the combine
// sums in slot order, so results do not depend on it.
extern "C" __global__ void ls_moe_scatter(const int *__restrict__ ids, int slots, const int *__restrict__ offsets,
                                          int *__restrict__ cursor, int *__restrict__ perm, int *__restrict__ slot_pos) {
    int s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= slots) return;
    int e = ids[s];
    int p = offsets[e] + atomicAdd(&cursor[e], 1);
    perm[p] = s;
    slot_pos[s] = p;
}

template <bool FP8>
__device__ __forceinline__ float wload(const void *w, const float *scale, size_t row, int col, int K) {
    if (FP8) {
        uint8_t q = static_cast<const uint8_t *>(w)[row * K + col];
        return fp8e4m3_to_f32(q) * scale[(row / 128) * ((K + 127) / 128) + col / 128];
    }
    return b2f(static_cast<const bf16 *>(w)[row * K + col]);
}

// Decode experts, gate|up with SiLU·up fused. grid (min(E, T·k), ceil(m / 4)), block 128: block x
// serves active expert active[x] (blocks past the active count leave at once), warp w output
// column n = y·4 + w, for the expert's rows (<= 8 when T <= 8: a token picks an expert once).
// x [T, H] bf16, gate|up weights [2m, H]; act [T·k, m] bf16 in permuted row order.
template <bool FP8>
__device__ __forceinline__ void moe_gateup_body(const bf16 *__restrict__ x, int H, int m, int k,
                                                const int *active, const int *offsets, const int *perm,
                                                const void *const *w_ptrs, const float *const *s_ptrs, bf16 *act) {
    int e = active[blockIdx.x];
    if (e < 0) return;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int n = blockIdx.y * 4 + warp;
    if (n >= m) return;
    int r0 = offsets[e], rc = min(8, offsets[e + 1] - r0);
    const void *w = w_ptrs[e];
    const float *sc = FP8 ? s_ptrs[e] : nullptr;
    float g[8], u[8];
    int xr[8];
#pragma unroll
    for (int r = 0; r < 8; r++) {
        g[r] = u[r] = 0.f;
        xr[r] = r < rc ? perm[r0 + r] / k : 0;
    }
    if (!FP8 && (H & 7) == 0) {
        // bf16 weights: 16-byte loads (8 values per lane, 256 per warp step), the expert GEMV is a
        // pure weight stream and 2-byte loads left most of the HBM bandwidth unused.
        const bf16 *wg_row = static_cast<const bf16 *>(w) + (size_t)n * H;
        const bf16 *wu_row = static_cast<const bf16 *>(w) + ((size_t)m + n) * H;
        for (int c = lane * 8; c < H; c += 256) {
            float wg8[8], wu8[8];
            unpack8(__ldg(reinterpret_cast<const uint4 *>(wg_row + c)), wg8);
            unpack8(__ldg(reinterpret_cast<const uint4 *>(wu_row + c)), wu8);
#pragma unroll
            for (int r = 0; r < 8; r++) {
                if (r < rc) {
                    float a8[8];
                    unpack8(__ldg(reinterpret_cast<const uint4 *>(x + (size_t)xr[r] * H + c)), a8);
#pragma unroll
                    for (int j = 0; j < 8; j++) {
                        g[r] = fmaf(a8[j], wg8[j], g[r]);
                        u[r] = fmaf(a8[j], wu8[j], u[r]);
                    }
                }
            }
        }
    } else {
        for (int c = lane; c < H; c += 32) {
            float wg = wload<FP8>(w, sc, n, c, H), wu = wload<FP8>(w, sc, (size_t)m + n, c, H);
#pragma unroll
            for (int r = 0; r < 8; r++) {
                if (r < rc) {
                    float a = b2f(x[(size_t)xr[r] * H + c]);
                    g[r] = fmaf(a, wg, g[r]);
                    u[r] = fmaf(a, wu, u[r]);
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < 8; r++) {
        if (r < rc) {
            // fp32 through silu·up (the CPU reference's precision); act is bf16 because the down GEMV reads it
            float gs = warp_sum(g[r]), us = warp_sum(u[r]);
            if (lane == 0) act[(size_t)(r0 + r) * m + n] = f2b(gs / (1.f + __expf(-gs)) * us);
        }
    }
}

// Decode experts, down projection: y [T·k, H] (permuted rows) = act [T·k, m] · down_e [H, m]ᵀ.
// grid (min(E, T·k), ceil(H / 4)), block 128, one warp per output column.
template <bool FP8, typename YT>
__device__ __forceinline__ void moe_down_body(const bf16 *__restrict__ act, int H, int m, const int *active,
                                              const int *offsets, const void *const *w_ptrs,
                                              const float *const *s_ptrs, YT *y) {
    int e = active[blockIdx.x];
    if (e < 0) return;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int n = blockIdx.y * 4 + warp;
    if (n >= H) return;
    int r0 = offsets[e], rc = min(8, offsets[e + 1] - r0);
    const void *w = w_ptrs[e];
    const float *sc = FP8 ? s_ptrs[e] : nullptr;
    float acc[8];
#pragma unroll
    for (int r = 0; r < 8; r++) acc[r] = 0.f;
    if (!FP8 && (m & 7) == 0) {  // 16-byte loads, as in the gate|up kernel
        const bf16 *wrow = static_cast<const bf16 *>(w) + (size_t)n * m;
        for (int c = lane * 8; c < m; c += 256) {
            float w8[8];
            unpack8(__ldg(reinterpret_cast<const uint4 *>(wrow + c)), w8);
#pragma unroll
            for (int r = 0; r < 8; r++) {
                if (r < rc) {
                    float a8[8];
                    unpack8(*reinterpret_cast<const uint4 *>(act + (size_t)(r0 + r) * m + c), a8);
#pragma unroll
                    for (int j = 0; j < 8; j++) acc[r] = fmaf(a8[j], w8[j], acc[r]);
                }
            }
        }
    } else {
        for (int c = lane; c < m; c += 32) {
            float wv = wload<FP8>(w, sc, n, c, m);
#pragma unroll
            for (int r = 0; r < 8; r++)
                if (r < rc) acc[r] = fmaf(b2f(act[(size_t)(r0 + r) * m + c]), wv, acc[r]);
        }
    }
#pragma unroll
    for (int r = 0; r < 8; r++) {
        if (r < rc) {
            float v = warp_sum(acc[r]);
            if (lane == 0) store_out(y + (size_t)(r0 + r) * H + n, v);
        }
    }
}

#define MOE_GU_ARGS const bf16 *x, int H, int m, int k, const int *active, const int *offsets, const int *perm, \
                    const void *const *w_ptrs, const float *const *s_ptrs, bf16 *act
#define MOE_DN_ARGS const bf16 *act, int H, int m, const int *active, const int *offsets, \
                    const void *const *w_ptrs, const float *const *s_ptrs, bf16 *y
extern "C" __global__ void __launch_bounds__(128) ls_moe_gateup_gemv(MOE_GU_ARGS) {
    moe_gateup_body<false>(x, H, m, k, active, offsets, perm, w_ptrs, s_ptrs, act);
}
extern "C" __global__ void __launch_bounds__(128) ls_moe_gateup_gemv_fp8w(MOE_GU_ARGS) {
    moe_gateup_body<true>(x, H, m, k, active, offsets, perm, w_ptrs, s_ptrs, act);
}
extern "C" __global__ void __launch_bounds__(128) ls_moe_down_gemv(MOE_DN_ARGS) {
    moe_down_body<false, bf16>(act, H, m, active, offsets, w_ptrs, s_ptrs, y);
}
extern "C" __global__ void __launch_bounds__(128) ls_moe_down_gemv_fp8w(MOE_DN_ARGS) {
    moe_down_body<true, bf16>(act, H, m, active, offsets, w_ptrs, s_ptrs, y);
}
// y kept fp32 for the combine (bf16 weights): one rounding fewer per expert output.
extern "C" __global__ void __launch_bounds__(128) ls_moe_down_gemv_f32y(const bf16 *act, int H, int m, const int *active,
        const int *offsets, const void *const *w_ptrs, const float *const *s_ptrs, float *y) {
    moe_down_body<false, float>(act, H, m, active, offsets, w_ptrs, s_ptrs, y);
}

// out [T, H] = Σ_j wts[t, j] · y[slot_pos[t·k + j], :], fp32 in slot order. y is bf16 or fp32 (YT),
// out bf16 or fp32 (OutT: fp32 when the layer's MLP output stays fp32 until the residual add).
// grid (T), block 256.
__device__ __forceinline__ float yval(const bf16 *y, size_t i) { return b2f(y[i]); }
__device__ __forceinline__ float yval(const float *y, size_t i) { return y[i]; }

template <typename YT, typename OutT>
__device__ __forceinline__ void moe_combine_body(const YT *__restrict__ y, const float *__restrict__ wts,
                                                 const int *__restrict__ slot_pos, int k, int H, OutT *__restrict__ out) {
    int t = blockIdx.x;
    for (int c = threadIdx.x; c < H; c += blockDim.x) {
        float s = 0.f;
        for (int j = 0; j < k; j++) s += wts[t * k + j] * yval(y, (size_t)slot_pos[t * k + j] * H + c);
        store_out(out + (size_t)t * H + c, s);
    }
}
#define MOE_COMBINE(name, YT, OutT)                                                                   \
    extern "C" __global__ void name(const YT *y, const float *wts, const int *slot_pos, int k, int H, OutT *out) { \
        moe_combine_body<YT, OutT>(y, wts, slot_pos, k, H, out);                                        \
    }
MOE_COMBINE(ls_moe_combine, bf16, bf16)
MOE_COMBINE(ls_moe_combine_f32, bf16, float)
MOE_COMBINE(ls_moe_combine_f32y, float, bf16)
MOE_COMBINE(ls_moe_combine_f32y_f32, float, float)
