// Per-head QK RMSNorm fused with partial NeoX RoPE (§2.4 steps 3-4, YaRN §7), in place.
// x [T, cols] bf16; heads at columns [col_offset + h·d, +d). norm_w [d] or null (no QK norm).
// inv_freq [rope_dim/2] fp32 (device; YaRN-blended on the host), positions [T] (device).
// grid (T, ceil(heads/4)), block 128: one warp per head; the head goes through shared memory
// because the rotate-half pairs (i, i + rope_dim/2) are in different lanes for small heads.
#include "common.cuh"

extern "C" __global__ void __launch_bounds__(128) ls_qk_norm_rope(
    bf16 *__restrict__ x, int cols, int col_offset, int heads, int d, const bf16 *__restrict__ norm_w, float eps,
    int rope_dim, const float *__restrict__ inv_freq, float factor, const int *__restrict__ positions) {
    __shared__ float hv[4][256];  // d <= 256
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int h = blockIdx.y * 4 + warp;
    if (h >= heads) return;  // whole warp leaves; no block-wide barrier below
    int t = blockIdx.x;
    bf16 *p = x + (size_t)t * cols + col_offset + (size_t)h * d;
    float *s = hv[warp];
    float ss = 0.f;
    for (int c = lane; c < d; c += 32) {
        float v = b2f(p[c]);
        s[c] = v;
        ss += v * v;
    }
    ss = warp_sum(ss);
    if (norm_w) {
        float r = rsqrtf(ss / d + eps);
        // fp32 throughout (the fp32 reference's precision); the only rounding is the bf16 store below
        for (int c = lane; c < d; c += 32) s[c] = b2f(norm_w[c]) * (s[c] * r);
    }
    __syncwarp();
    int half = rope_dim / 2;
    float pos = (float)positions[t];
    for (int i = lane; i < half; i += 32) {
        float sn, cs;
        sincosf(pos * inv_freq[i], &sn, &cs);  // accurate sincos: angles reach tens of thousands of radians
        // fp32 cos/sin scaled by the YaRN attention factor (the bf16 reference rounds its tables to
        // bf16; keeping them fp32 is what brings the YaRN fixture to the fp32 logits)
        cs *= factor;
        sn *= factor;
        float u1 = s[i], u2 = s[i + half];
        s[i] = u1 * cs - u2 * sn;
        s[i + half] = u2 * cs + u1 * sn;
    }
    __syncwarp();
    for (int c = lane; c < d; c += 32) p[c] = f2b(s[c]);
}
