// Token selection on the GPU, so a decode step copies T ints to the host instead of T·V logits.
// logits [T, V] bf16. grid (T), block 1024.
#include "common.cuh"

// Block-wide argmax with ties broken towards the lower index (torch.argmax's first maximum).
__device__ __forceinline__ void block_argmax(float &v, int &i) {
    __shared__ float sv[32];
    __shared__ int si[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, v, o);
        int oi = __shfl_xor_sync(0xffffffffu, i, o);
        if (ov > v || (ov == v && oi < i)) { v = ov; i = oi; }
    }
    __syncthreads();
    if (lane == 0) { sv[warp] = v; si[warp] = i; }
    __syncthreads();
    int nw = blockDim.x >> 5;
    v = lane < nw ? sv[lane] : -INFINITY;
    i = lane < nw ? si[lane] : 0x7fffffff;
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, v, o);
        int oi = __shfl_xor_sync(0xffffffffu, i, o);
        if (ov > v || (ov == v && oi < i)) { v = ov; i = oi; }
    }
}

// Greedy: out_ids[t] = argmax_v logits[t, v].
extern "C" __global__ void ls_argmax(const bf16 *__restrict__ logits, int V, int *__restrict__ out_ids) {
    const bf16 *l = logits + (size_t)blockIdx.x * V;
    float bv = -INFINITY;
    int bi = 0x7fffffff;
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
        float x = b2f(l[v]);
        if (x > bv) { bv = x; bi = v; }  // ascending scan: first max per thread
    }
    block_argmax(bv, bi);
    if (threadIdx.x == 0) out_ids[blockIdx.x] = bi;
}

#define SAMPLE_MAXK 64

// Top-k / top-p sampling with temperature. Per row params: temp [T] (> 0), top_k [T] (0: off),
// top_p [T] (1: off), seeds [T] (u64: request seed mixed with the step). The candidates are the
// min(top_k, 64) best logits, found by 64 passes of "largest below the previous" (no sort, no
// extra memory); top_p keeps the shortest prefix whose mass (over the FULL softmax) reaches top_p.
// With top_k = 0 and top_p < 1 the nucleus is cut at 64 tokens: documented approximation.
extern "C" __global__ void ls_sample(const bf16 *__restrict__ logits, int V, const float *__restrict__ temp,
                                     const int *__restrict__ top_k, const float *__restrict__ top_p,
                                     const unsigned long long *__restrict__ seeds, int *__restrict__ out_ids) {
    __shared__ float cv[SAMPLE_MAXK];
    __shared__ int ci[SAMPLE_MAXK];
    const int t = blockIdx.x;
    const bf16 *l = logits + (size_t)t * V;
    const float inv_t = 1.f / temp[t];
    int kk = top_k[t] > 0 ? min(top_k[t], SAMPLE_MAXK) : SAMPLE_MAXK;
    float pv = INFINITY;
    int pi = -1;
    for (int j = 0; j < kk; j++) {
        float bv = -INFINITY;
        int bi = 0x7fffffff;
        for (int v = threadIdx.x; v < V; v += blockDim.x) {
            float x = b2f(l[v]);
            bool below = x < pv || (x == pv && v > pi);  // strictly after the previous in (value desc, index asc)
            if (below && (x > bv || (x == bv && v < bi))) { bv = x; bi = v; }
        }
        block_argmax(bv, bi);
        if (threadIdx.x == 0) { cv[j] = bv; ci[j] = bi; }
        pv = bv;
        pi = bi;
    }
    // full softmax normaliser, so top_p is measured against the whole distribution
    float mx = cv[0];
    float z = 0.f;
    for (int v = threadIdx.x; v < V; v += blockDim.x) z += __expf((b2f(l[v]) - mx) * inv_t);
    z = block_sum(z);
    if (threadIdx.x == 0) {
        float p = top_p[t], kept = 0.f;
        int n = 0;
        while (n < kk) {
            kept += __expf((cv[n] - mx) * inv_t) / z;
            n++;
            if (kept >= p) break;
        }
        unsigned long long h = seeds[t] * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
        h ^= h >> 31;
        float u = (float)(h >> 40) * (1.f / 16777216.f) * kept;
        int pick = ci[n - 1];
        float c = 0.f;
        for (int j = 0; j < n; j++) {
            c += __expf((cv[j] - mx) * inv_t) / z;
            if (u < c) { pick = ci[j]; break; }
        }
        out_ids[t] = pick;
    }
}
