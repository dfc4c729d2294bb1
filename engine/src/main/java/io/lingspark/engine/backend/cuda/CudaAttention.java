package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.config.LingConfig;

/**
 * The paged KV cache pools and the attention launches. Pools, per layer: K and V
 * [blocks, blockSize, nkv·d] bf16, sized by the MemoryPlan at the first cache request. Per step the
 * StepMetadata (positions, row → sequence, block tables, tiles) is uploaded once, at layer 0, and
 * read by every layer's ls_kv_append and ls_attention_{decode,prefill} (+ ls_attn_combine).
 */
final class CudaAttention implements AutoCloseable {
    private final CudaBackend be;
    private DevPtr[] kPool;   // [L] -> [blocks, blockSize, nkv·d]
    private DevPtr[] vPool;
    private BlockPool pool;
    private MemoryPlan plan;
    private BatchLayout lastLayout;          // metadata of the current step, reused by every layer
    private StepMetadata meta;
    private DevPtr dPositions, dRowSeq, dTable, dTiles;

    CudaAttention(CudaBackend be) {
        this.be = be;
    }

    CudaKvCache newCache(LingConfig c) {
        if (pool == null) {
            plan = be.plan(c);
            long blockBytes = plan.kvBlockBytes();
            long fits = (be.ctx.freeMemory() - plan.activationBytes() - MemoryPlan.RESERVE) / blockBytes;
            long cap = Long.getLong("lingspark.cuda.kvTokens", 512L * c.maxPositionEmbeddings) / plan.blockSize();
            int blocks = (int) Math.max(0, Math.min(Math.min(plan.kvBlocks(), fits), cap));
            if (blocks < (c.maxPositionEmbeddings + plan.blockSize() - 1) / plan.blockSize() / 8) {
                throw new io.lingspark.engine.config.ModelLoadException("no GPU memory left for the KV cache: " + plan
                        + "; free now " + be.ctx.freeMemory() / (1 << 20) + " MiB");
            }
            long layerBytes = (long) blocks * plan.blockSize() * c.numKvHeads * c.headDim * 2;
            kPool = new DevPtr[c.numLayers];
            vPool = new DevPtr[c.numLayers];
            for (int l = 0; l < c.numLayers; l++) {
                kPool[l] = be.ctx.alloc(layerBytes);
                vPool[l] = be.ctx.alloc(layerBytes);
            }
            pool = new BlockPool(blocks, plan.blockSize());
        }
        return new CudaKvCache(pool, plan.kvBlockBytes());
    }

    /** Block-table width: the largest table in the step rounded up to a power of two (>= 64), so a
     *  decode graph stays valid while contexts grow and is re-captured only at 1K, 2K, ... tokens. */
    static int tableWidth(int maxBlocks) {
        return Math.max(64, Integer.highestOneBit(Math.max(1, maxBlocks - 1)) << 1);
    }

    void run(CudaTensor qkv, BatchLayout layout, int layer, LingConfig c, CudaTensor out) {
        int nh = c.numHeads;
        int nkv = c.numKvHeads;
        int d = c.headDim;
        int group = nh / nkv;
        if (d > 128 || d % 2 != 0) {
            throw new IllegalArgumentException("attention kernels support even head_dim <= 128, got " + d);
        }
        if (layout != lastLayout) {
            int widest = 0;
            for (BatchLayout.Chunk ch : layout.chunks()) {
                CudaKvCache cache = (CudaKvCache) ch.cache();
                cache.ensure(ch.startPos() + ch.length());
                widest = Math.max(widest, cache.blockCount());
            }
            meta = StepMetadata.of(layout, tableWidth(widest), group);
            dPositions = be.ints(meta.positions());
            dRowSeq = be.ints(meta.rowSeq());
            dTable = be.ints(meta.blockTable());
            dTiles = be.ints(meta.tiles());
            lastLayout = layout;
        }
        if (!meta.decode()) {
            be.graphs.notDecode();
        }
        int t = layout.rows();
        int kvw = nkv * d;
        be.launch(LaunchConfigs.rows("ls_kv_append", t), qkv.ptr, qkv.cols, nh * d, kvw, dPositions, dRowSeq, dTable,
                meta.maxBlocks(), pool.blockSize, kPool[layer], vPool[layer]);
        int splits = LaunchConfigs.attentionSplits(meta.nTiles(), nkv, be.ctx.smCount, meta.decode());
        Launch l = LaunchConfigs.attention(meta.nTiles(), nkv, splits, meta.decode(), group, d);
        DevPtr wsO = splits > 1 ? be.temp(4L * splits * t * nh * d) : null;
        DevPtr wsMl = splits > 1 ? be.temp(8L * splits * t * nh) : null;
        int qr = LaunchConfigs.attentionRows(meta.decode(), group);
        be.launch(l, qkv.ptr, qkv.cols, nh, nkv, d, qr, dTiles, dPositions, dRowSeq, dTable, meta.maxBlocks(),
                pool.blockSize, kPool[layer], vPool[layer], (float) (1.0 / Math.sqrt(d)), out.ptr, wsO, wsMl, t);
        if (splits > 1) {
            be.launch(new Launch("ls_attn_combine", t, nh, 1, Math.max(32, (d + 31) / 32 * 32), 0), wsO, wsMl, splits, t,
                    nh, d, out.ptr);
        }
    }

    @Override
    public void close() {
        if (kPool != null) {
            for (int l = 0; l < kPool.length; l++) {
                be.ctx.free(kPool[l]);
                be.ctx.free(vPool[l]);
            }
        }
    }
}
