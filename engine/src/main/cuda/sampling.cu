// Token selection on the GPU, so a decode step copies T ints to the host instead of T·V logits.
// logits [T, V] fp32 (the model keeps logits fp32). grid (T), block 1024.
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

// Greedy: out_ids[t] = argmax_v logits[t, v] (first maximum). logits [T, V] fp32.
__device__ __forceinline__ int row_argmax(const float *__restrict__ l, int V) {
    float bv = -INFINITY;
    int bi = 0x7fffffff;
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
        float x = l[v];
        if (x > bv) { bv = x; bi = v; }  // ascending scan: first max per thread
    }
    block_argmax(bv, bi);
    return bi;
}

extern "C" __global__ void ls_argmax_f32(const float *__restrict__ logits, int V, int *__restrict__ out_ids) {
    int bi = row_argmax(logits + (size_t)blockIdx.x * V, V);
    if (threadIdx.x == 0) out_ids[blockIdx.x] = bi;
}

#define SAMPLE_MAXK 64

// Per row: temp [T] (0: greedy argmax), top_k [T] (1..64), top_p [T] (1: off), seeds [T] (u64: the
// sequence's seed mixed with its draw index). The candidates are the top_k best logits, found by
// top_k passes of "largest below the previous" (no sort, no extra memory); as in the host sampler,
// top_p then keeps the shortest prefix whose mass in the top-k renormalised distribution reaches top_p.
// The host walks kept ids in index order for its draw and this kernel in value order, so the same
// seed picks differently: device sampling is its own stream of random numbers.
extern "C" __global__ void ls_sample_f32(const float *__restrict__ logits, int V, const float *__restrict__ temp,
                                         const int *__restrict__ top_k, const float *__restrict__ top_p,
                                         const unsigned long long *__restrict__ seeds, int *__restrict__ out_ids) {
    __shared__ float cv[SAMPLE_MAXK];
    __shared__ int ci[SAMPLE_MAXK];
    const int t = blockIdx.x;
    const float *l = logits + (size_t)t * V;
    if (temp[t] <= 0.f) {
        int bi = row_argmax(l, V);
        if (threadIdx.x == 0) out_ids[t] = bi;
        return;
    }
    const float inv_t = 1.f / temp[t];
    int kk = max(1, min(top_k[t], SAMPLE_MAXK));
    float pv = INFINITY;
    int pi = -1;
    for (int j = 0; j < kk; j++) {
        float bv = -INFINITY;
        int bi = 0x7fffffff;
        for (int v = threadIdx.x; v < V; v += blockDim.x) {
            float x = l[v];
            bool below = x < pv || (x == pv && v > pi);  // strictly after the previous in (value desc, index asc)
            if (below && (x > bv || (x == bv && v < bi))) { bv = x; bi = v; }
        }
        block_argmax(bv, bi);
        if (threadIdx.x == 0) { cv[j] = bv; ci[j] = bi; }
        pv = bv;  // block_argmax leaves every thread with the block's answer
        pi = bi;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        float mx = cv[0], z = 0.f;
        for (int j = 0; j < kk; j++) z += __expf((cv[j] - mx) * inv_t);
        float p = top_p[t], kept = 0.f;
        int n = 0;
        while (n < kk && (n == 0 || kept < p)) {  // keep a candidate while the mass before it is below top_p
            kept += __expf((cv[n] - mx) * inv_t) / z;
            n++;
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
