// Attention over the paged KV cache (§2.4 steps 5-6): causal, GQA (query head j uses kv head
// j / (nh/nkv)), scale 1/sqrt(d), online softmax in fp32, output bf16.
//
// KV cache layout, per layer: k_cache, v_cache [num_blocks, block_size, nkv·d] bf16; a sequence's
// token at position p lives in block block_table[seq, p / block_size], slot p % block_size.
// Step metadata lives in device memory, never in kernel arguments, so one captured CUDA graph
// replays every decode step of a batch size: positions [T] (absolute position of each row),
// row_seq [T] (sequence index of each row), block_table [S, max_blocks], tiles [n_tiles, 2]
// (first row, row count; a tile's rows are consecutive tokens of one sequence).
#include "common.cuh"

#define ATT_KT 32       // keys per shared-memory tile (one per lane when scoring)
#define ATT_WARPS 4
#define ATT_MAXD 128    // head_dim limit (Ling 2.0: 128): d/32 accumulators per lane

// Appends the step's K and V (the columns after the q heads of qkv [T, (nh + 2nkv)·d]).
// grid (T), block 128.
extern "C" __global__ void ls_kv_append(const bf16 *__restrict__ qkv, int qkv_cols, int q_width, int kvw,
                                        const int *__restrict__ positions, const int *__restrict__ row_seq,
                                        const int *__restrict__ block_table, int max_blocks, int block_size,
                                        bf16 *__restrict__ k_cache, bf16 *__restrict__ v_cache) {
    int t = blockIdx.x;
    int pos = positions[t];
    int blk = block_table[row_seq[t] * max_blocks + pos / block_size];
    size_t dst = ((size_t)blk * block_size + pos % block_size) * kvw;
    const bf16 *src = qkv + (size_t)t * qkv_cols + q_width;
    for (int c = threadIdx.x; c < kvw; c += blockDim.x) {
        k_cache[dst + c] = src[c];
        v_cache[dst + c] = src[kvw + c];
    }
}

// grid (n_tiles, nkv, splits), block 128 (4 warps). A block serves one tile of QR rows and the
// `group` q heads sharing kv head blockIdx.y: each K/V tile loaded into shared memory is used by
// QR·group (row, head) pairs, spread over the 4 warps. Decode: QR = 1, one head per warp.
// Prefill: QR = 16, 16 pairs per warp, 16x fewer K/V reads than one row per block.
// splits > 1 (flash-decoding, few sequences): slice z covers a 32-aligned key range and writes
// unnormalised (acc, max, sum) to ws_o [splits, T, nh, d] / ws_ml [splits, T, nh, 2] for
// ls_attn_combine; with splits == 1 the kernel writes out [T, nh·d] directly.
// Dynamic shared memory: QR·group·d (q) + 2·32·(d+2) (K, V; the +2 pad makes lane j's row reads
// hit distinct banks) bf16.
template <int ATT_MAXP>  // (row, head) pairs per warp: QR·group/4 <= ATT_MAXP
__device__ __forceinline__ void attention_body(
    const bf16 *__restrict__ qkv, int qkv_cols, int nh, int nkv, int d, int qr,
    const int *__restrict__ tiles, const int *__restrict__ positions, const int *__restrict__ row_seq,
    const int *__restrict__ block_table, int max_blocks, int block_size,
    const bf16 *__restrict__ k_cache, const bf16 *__restrict__ v_cache, float scale,
    bf16 *__restrict__ out, float *__restrict__ ws_o, float *__restrict__ ws_ml, int T) {
    extern __shared__ __align__(16) bf16 sm[];
    const int group = nh / nkv, kvh = blockIdx.y, kvw = nkv * d, ld = d + 2;
    const int row0 = tiles[2 * blockIdx.x], nrows = tiles[2 * blockIdx.x + 1];
    const int npairs = nrows * group;
    bf16 *qs = sm;                        // [qr·group, d]
    bf16 *ks = sm + qr * group * d;       // [32, d + 2]
    bf16 *vs = ks + ATT_KT * ld;          // [32, d + 2]
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int seq = row_seq[row0];
    const int last = positions[row0 + nrows - 1];  // the tile's last row sees the most keys
    // key range of this split, whole 32-key tiles
    const int ntiles_k = last / ATT_KT + 1;
    const int per = (ntiles_k + gridDim.z - 1) / gridDim.z;
    const int kt0 = blockIdx.z * per, kt1 = min(ntiles_k, kt0 + per);

    for (int i = threadIdx.x; i < npairs * d; i += blockDim.x) {
        int p = i / d, c = i % d;
        int r = p / group, h = kvh * group + p % group;
        qs[i] = qkv[(size_t)(row0 + r) * qkv_cols + h * d + c];
    }
    float m[ATT_MAXP], l[ATT_MAXP], acc[ATT_MAXP][ATT_MAXD / 32];
#pragma unroll
    for (int j = 0; j < ATT_MAXP; j++) {
        m[j] = -INFINITY;
        l[j] = 0.f;
#pragma unroll
        for (int i = 0; i < ATT_MAXD / 32; i++) acc[j][i] = 0.f;
    }
    const int nd = (d + 31) / 32;
    for (int kt = kt0; kt < kt1; kt++) {
        __syncthreads();  // previous tile fully consumed (and q loaded, on the first pass)
        for (int i = threadIdx.x; i < ATT_KT * d; i += blockDim.x) {
            int j = i / d, c = i % d, key = kt * ATT_KT + j;
            bf16 kv0 = f2b(0.f), kv1 = f2b(0.f);
            if (key <= last) {
                int blk = block_table[seq * max_blocks + key / block_size];
                size_t off = ((size_t)blk * block_size + key % block_size) * kvw + kvh * d + c;
                kv0 = k_cache[off];
                kv1 = v_cache[off];
            }
            ks[j * ld + c] = kv0;
            vs[j * ld + c] = kv1;
        }
        __syncthreads();
#pragma unroll
        for (int j = 0; j < ATT_MAXP; j++) {
            int p = warp + j * ATT_WARPS;
            if (p >= npairs) break;
            int pos = positions[row0 + p / group];
            int key = kt * ATT_KT + lane;
            float s = -INFINITY;
            if (key <= pos) {
                const bf16 *q = qs + p * d;
                const bf16 *k = ks + lane * ld;
                float dot = 0.f;
                for (int c = 0; c < d; c += 2) {
                    float2 qq = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(q + c));
                    float2 kk = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(k + c));
                    dot = fmaf(qq.x, kk.x, fmaf(qq.y, kk.y, dot));
                }
                s = dot * scale;
            }
            float mn = fmaxf(m[j], warp_max(s));
            if (mn == -INFINITY) continue;  // whole tile masked and nothing seen yet (split slices)
            float pr = s == -INFINITY ? 0.f : __expf(s - mn);
            float corr = m[j] == -INFINITY ? 0.f : __expf(m[j] - mn);
            l[j] = l[j] * corr + warp_sum(pr);
            m[j] = mn;
#pragma unroll
            for (int i = 0; i < ATT_MAXD / 32; i++) acc[j][i] *= corr;
            for (int kk = 0; kk < ATT_KT; kk++) {
                float pk = __shfl_sync(0xffffffffu, pr, kk);
                if (pk == 0.f) continue;  // uniform across the warp: pk is a broadcast
                const bf16 *v = vs + kk * ld;
#pragma unroll
                for (int i = 0; i < ATT_MAXD / 32; i++)
                    if (i < nd && lane + 32 * i < d) acc[j][i] = fmaf(pk, b2f(v[lane + 32 * i]), acc[j][i]);
            }
        }
    }
#pragma unroll
    for (int j = 0; j < ATT_MAXP; j++) {
        int p = warp + j * ATT_WARPS;
        if (p >= npairs) break;
        int t = row0 + p / group, h = kvh * group + p % group;
        if (gridDim.z == 1) {
            float inv = 1.f / l[j];
#pragma unroll
            for (int i = 0; i < ATT_MAXD / 32; i++)
                if (i < nd && lane + 32 * i < d) out[(size_t)t * nh * d + h * d + lane + 32 * i] = f2b(acc[j][i] * inv);
        } else {
            size_t wi = ((size_t)blockIdx.z * T + t) * nh + h;
            for (int i = 0; i < ATT_MAXD / 32; i++)
                if (i < nd && lane + 32 * i < d) ws_o[wi * d + lane + 32 * i] = acc[j][i];
            if (lane == 0) {
                ws_ml[wi * 2] = m[j];
                ws_ml[wi * 2 + 1] = l[j];
            }
        }
    }
}

#define ATT_ARGS                                                                                      \
    const bf16 *qkv, int qkv_cols, int nh, int nkv, int d, int qr, const int *tiles, const int *positions, \
        const int *row_seq, const int *block_table, int max_blocks, int block_size, const bf16 *k_cache,     \
        const bf16 *v_cache, float scale, bf16 *out, float *ws_o, float *ws_ml, int T
#define ATT_PASS \
    qkv, qkv_cols, nh, nkv, d, qr, tiles, positions, row_seq, block_table, max_blocks, block_size, k_cache, v_cache, scale, out, ws_o, ws_ml, T
// Decode: QR = 1, at most one (row, head) pair per warp: few registers, high occupancy.
extern "C" __global__ void __launch_bounds__(128) ls_attention_decode(ATT_ARGS) { attention_body<1>(ATT_PASS); }
// Prefill: QR = 16 rows x 4 heads = 16 pairs per warp.
extern "C" __global__ void __launch_bounds__(128) ls_attention_prefill(ATT_ARGS) { attention_body<16>(ATT_PASS); }

// Merges the split slices: out = Σ_z e^(m_z - M) acc_z / Σ_z e^(m_z - M) l_z.
// grid (T, nh), block d (<= 256). ws as above, T = rows in the step.
extern "C" __global__ void ls_attn_combine(const float *__restrict__ ws_o, const float *__restrict__ ws_ml,
                                           int splits, int T, int nh, int d, bf16 *__restrict__ out) {
    int t = blockIdx.x, h = blockIdx.y, c = threadIdx.x;
    float mx = -INFINITY;
    for (int z = 0; z < splits; z++) mx = fmaxf(mx, ws_ml[(((size_t)z * T + t) * nh + h) * 2]);
    float num = 0.f, den = 0.f;
    for (int z = 0; z < splits; z++) {
        size_t wi = ((size_t)z * T + t) * nh + h;
        float mz = ws_ml[wi * 2];
        if (mz == -INFINITY) continue;  // slice had no visible keys
        float f = __expf(mz - mx);
        den += f * ws_ml[wi * 2 + 1];
        if (c < d) num += f * ws_o[wi * d + c];
    }
    if (c < d) out[(size_t)t * nh * d + h * d + c] = f2b(num / den);
}
