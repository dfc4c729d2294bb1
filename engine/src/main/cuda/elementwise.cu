// Row-wise and element-wise kernels. Launch shapes (see LaunchConfigs.java): one block of 256
// threads per row for the row kernels (H = 2048 gives each thread 8 elements), a 1-D grid of
// 256-thread blocks for the flat ones.
#include "common.cuh"

// out[t, :] = table[ids[t], :].  table [V, H] bf16, ids [T] int32 (device), out [T, H] bf16.
// grid (T), block 256. Out-of-range ids are rejected on the host before the launch.
extern "C" __global__ void ls_embedding(const bf16 *__restrict__ table, const int *__restrict__ ids,
                                        bf16 *__restrict__ out, int cols) {
    const bf16 *src = table + (size_t)ids[blockIdx.x] * cols;
    bf16 *dst = out + (size_t)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dst[c] = src[c];
}

// RMSNorm of one row, HF order: y = bf16(x · rsqrt(mean(x²) + eps)); out = bf16(w ⊙ y).
// The weight multiply after the cast back to bf16 is the reference's (a common parity pitfall).
// When res != null this is the fused residual variant: x = bf16(x + res) is written back first,
// which saves one full read and write of the hidden state per layer boundary.
// x [T, n] bf16 (in/out when res != null), res [T, n] or null, w [n], out [T, n]. grid (T), block 256.
extern "C" __global__ void ls_rmsnorm(bf16 *__restrict__ x, const bf16 *__restrict__ res,
                                      const bf16 *__restrict__ w, float eps, bf16 *__restrict__ out, int n) {
    extern __shared__ float row[];  // [n] fp32: the row is read from global memory once
    bf16 *xr = x + (size_t)blockIdx.x * n;
    const bf16 *rr = res ? res + (size_t)blockIdx.x * n : nullptr;
    float ss = 0.f;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        float v = b2f(xr[c]);
        if (rr) {
            bf16 s = f2b(v + b2f(rr[c]));  // the residual stream is bf16 in the reference
            xr[c] = s;
            v = b2f(s);
        }
        row[c] = v;
        ss += v * v;
    }
    ss = block_sum(ss);
    float r = rsqrtf(ss / n + eps);
    bf16 *o = out + (size_t)blockIdx.x * n;
    for (int c = threadIdx.x; c < n; c += blockDim.x) o[c] = f2b(b2f(w[c]) * b2f(f2b(row[c] * r)));
}

// out[t, i] = silu(gu[t, i]) · gu[t, n + i];  gu [T, 2n] (gate | up), out [T, n]. Flat grid over T·n.
extern "C" __global__ void ls_silu_mul(const bf16 *__restrict__ gu, bf16 *__restrict__ out, int rows, int n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)rows * n) return;
    size_t t = i / n, c = i % n;
    float g = b2f(gu[t * 2 * n + c]);
    // silu in fp32 then rounded, as torch computes it on bf16 tensors
    float s = b2f(f2b(g / (1.f + __expf(-g))));
    out[i] = f2b(s * b2f(gu[t * 2 * n + n + c]));
}

// x[i] = bf16(x[i] + y[i]) over count elements. Flat grid.
extern "C" __global__ void ls_add(bf16 *__restrict__ x, const bf16 *__restrict__ y, size_t count) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) x[i] = f2b(b2f(x[i]) + b2f(y[i]));
}

// out[i, :] = src[idx[i], :]: src [R, cols], idx [n] (device), out [n, cols]. grid (n), block 256.
extern "C" __global__ void ls_gather_rows(const bf16 *__restrict__ src, const int *__restrict__ idx,
                                          bf16 *__restrict__ out, int cols) {
    const bf16 *s = src + (size_t)idx[blockIdx.x] * cols;
    bf16 *d = out + (size_t)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) d[c] = s[c];
}

// Deterministic random weights for benchmarks: value i = uniform[-1, 1) · scale from a
// SplitMix64 hash of (seed, i). Generated in place on the GPU so a 32 GB model needs no host copy.
// out [count] bf16. Flat grid, each thread a grid-stride loop.
extern "C" __global__ void ls_random_bf16(bf16 *__restrict__ out, size_t count, unsigned long long seed, float scale) {
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x) {
        unsigned long long z = seed * 0x9E3779B97F4A7C15ull + i + 1;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        float u = (float)(z >> 40) * (1.f / 16777216.f);  // 24 random bits -> [0, 1)
        out[i] = f2b((2.f * u - 1.f) * scale);
    }
}

// FP8 E4M3 block-scaled weight to bf16: W[r, c] = q[r, c] · scale_inv[r/128, c/128] (§6.1; despite
// the name the scale multiplies). q [rows, cols] bytes, scale_inv [ceil(rows/128), ceil(cols/128)] fp32.
// Used by tests and as the prefill fallback; the GEMMs dequantise on the fly instead.
extern "C" __global__ void ls_fp8_dequant(const uint8_t *__restrict__ q, const float *__restrict__ scale_inv,
                                          bf16 *__restrict__ out, int rows, int cols) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)rows * cols) return;
    int r = (int)(i / cols), c = (int)(i % cols);
    int sc = (cols + 127) / 128;
    out[i] = f2b(fp8e4m3_to_f32(q[i]) * scale_inv[(r / 128) * sc + c / 128]);
}

// bf16 -> fp32 widening (logits before the copy to the host when fp32 is wanted). Flat grid.
extern "C" __global__ void ls_bf16_to_f32(const bf16 *__restrict__ in, float *__restrict__ out, size_t count) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) out[i] = b2f(in[i]);
}

// p[i] = v over n ints (counters reset inside a captured graph without a memset node). Flat grid.
extern "C" __global__ void ls_fill_i32(int *__restrict__ p, int v, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) p[i] = v;
}

// ---- fp32 residual stream --------------------------------------------------------------------
// The engine keeps the hidden state x [T, H] between layers in fp32 (Backend.allocF32), not bf16 as
// the bf16 reference does: every layer adds two updates to it, and rounding the sum to bf16 each
// time is the largest single source of drift from the fp32 logits. Projections still read bf16.

// out[t, :] = float(table[ids[t], :]).  table [V, H] bf16, out [T, H] fp32. grid (T), block 256.
extern "C" __global__ void ls_embedding_f32(const bf16 *__restrict__ table, const int *__restrict__ ids,
                                            float *__restrict__ out, int cols) {
    const bf16 *src = table + (size_t)ids[blockIdx.x] * cols;
    float *dst = out + (size_t)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dst[c] = b2f(src[c]);
}

// RMSNorm of an fp32 row: out = bf16(w · x · rsqrt(mean(x²) + eps)), all in fp32 until the store.
// With res != null, x += res is applied (and written back) first: the fused residual add; res is
// bf16 or, when the layer's output projection wrote fp32 (ResT = float), fp32.
// x [T, n] fp32, res [T, n] or null, w [n] bf16, out [T, n] bf16. grid (T), block 256, smem n floats.
__device__ __forceinline__ float to_f(bf16 v) { return b2f(v); }
__device__ __forceinline__ float to_f(float v) { return v; }

template <typename ResT>
__device__ __forceinline__ void rmsnorm_f32_body(float *__restrict__ x, const ResT *__restrict__ res,
                                                 const bf16 *__restrict__ w, float eps, bf16 *__restrict__ out, int n) {
    extern __shared__ float srow[];  // [n]
    float *xr = x + (size_t)blockIdx.x * n;
    const ResT *rr = res ? res + (size_t)blockIdx.x * n : nullptr;
    float ss = 0.f;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        float v = xr[c];
        if (rr) {
            v += to_f(rr[c]);
            xr[c] = v;
        }
        srow[c] = v;
        ss += v * v;
    }
    ss = block_sum(ss);
    float r = rsqrtf(ss / n + eps);
    bf16 *o = out + (size_t)blockIdx.x * n;
    for (int c = threadIdx.x; c < n; c += blockDim.x) o[c] = f2b(b2f(w[c]) * srow[c] * r);
}

extern "C" __global__ void ls_rmsnorm_f32(float *x, const bf16 *res, const bf16 *w, float eps, bf16 *out, int n) {
    rmsnorm_f32_body<bf16>(x, res, w, eps, out, n);
}
extern "C" __global__ void ls_rmsnorm_f32_resf32(float *x, const float *res, const bf16 *w, float eps, bf16 *out, int n) {
    rmsnorm_f32_body<float>(x, res, w, eps, out, n);
}

// x[i] += y[i]: x fp32, y bf16, count elements. Flat grid.
extern "C" __global__ void ls_add_f32(float *__restrict__ x, const bf16 *__restrict__ y, size_t count) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) x[i] += b2f(y[i]);
}

// x[i] += y[i], both fp32 (an fp32 projection output into the fp32 residual stream). Flat grid.
extern "C" __global__ void ls_add_f32f32(float *__restrict__ x, const float *__restrict__ y, size_t count) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) x[i] += y[i];
}

// out[t, i] = bf16(silu(gu[t, i]) · gu[t, n + i]) from an fp32 gate|up product, in fp32 until the
// store: the only rounding is where the down projection needs bf16 input. gu [T, 2n] fp32, out [T, n].
extern "C" __global__ void ls_silu_mul_f32in(const float *__restrict__ gu, bf16 *__restrict__ out, int rows, int n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)rows * n) return;
    size_t t = i / n, c = i % n;
    float g = gu[t * 2 * n + c];
    out[i] = f2b(g / (1.f + __expf(-g)) * gu[t * 2 * n + n + c]);
}

// out[i, :] = src[idx[i], :] for fp32 rows: src [R, cols], idx [n], out [n, cols]. grid (n), block 256.
extern "C" __global__ void ls_gather_rows_f32(const float *__restrict__ src, const int *__restrict__ idx,
                                              float *__restrict__ out, int cols) {
    const float *s = src + (size_t)idx[blockIdx.x] * cols;
    float *d = out + (size_t)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) d[c] = s[c];
}
