package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.backend.AttentionSpec;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.step.ForwardBatch;

/**
 * The paged KV cache pools and the attention launches. A pool, per KV layer: K and V
 * [blocks, blockSize, nkv·d] bf16, sized by the runtime's cache manager from the memory setting.
 * Per step the StepMetadata (positions, row → sequence, block tables, tiles) is uploaded once, at the
 * first attention layer, and read by every layer's ls_kv_append and ls_attention_{decode,prefill}
 * (+ ls_attn_combine).
 */
final class CudaAttention {
    private final CudaBackend be;
    private ForwardBatch lastBatch;          // metadata of the current step, reused by every layer
    private StepMetadata meta;
    private DevPtr dPositions, dRowSeq, dTable, dTiles;

    CudaAttention(CudaBackend be) {
        this.be = be;
    }

    /** Device pools for one model's KV layers; Ling 2.5's latent and state layers have no CUDA kernels yet. */
    static final class Pool implements CachePool {
        private final CudaContext ctx;
        private final CacheSpec spec;
        private final int blocks;
        final DevPtr[] k; // [layer] -> [blocks, blockSize, width] bf16
        final DevPtr[] v;
        private final long bytes;

        Pool(CudaContext ctx, CacheSpec spec, int blocks) {
            this.ctx = ctx;
            this.spec = spec;
            this.blocks = blocks;
            int n = spec.layers().size();
            k = new DevPtr[n];
            v = new DevPtr[n];
            long total = 0;
            for (int l = 0; l < n; l++) {
                CacheSpec.Layer ly = spec.layers().get(l);
                if (ly.kind() != CacheSpec.Kind.KV) {
                    close();
                    throw new UnsupportedOperationException("the CUDA backend has no " + ly.kind() + " cache (Ling 2.5)");
                }
                long layerBytes = (long) blocks * spec.blockSize() * ly.width() * 2;
                k[l] = ctx.alloc(layerBytes);
                v[l] = ctx.alloc(layerBytes);
                total += 2 * layerBytes;
            }
            this.bytes = total;
        }

        @Override
        public CacheSpec spec() {
            return spec;
        }

        @Override
        public int blocks() {
            return blocks;
        }

        @Override
        public int slots() {
            return 0;
        }

        /** On the compute stream, so the copy lands between the steps before and after it (never run on a GPU yet). */
        @Override
        public void copyBlock(int source, int destination) {
            ctx.bind();
            for (int l = 0; l < k.length; l++) {
                long blockBytes = (long) spec.blockSize() * spec.layers().get(l).width() * 2;
                for (DevPtr pool : new DevPtr[] {k[l], v[l]}) {
                    jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync(pool.plus(destination * blockBytes),
                        pool.plus(source * blockBytes), blockBytes, ctx.stream);
                }
            }
        }

        @Override
        public void resetState(int slot) {
            // no state layers
        }

        @Override
        public float[] state(int slot, int layer) {
            throw new UnsupportedOperationException("no recurrent state on the CUDA backend");
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public void close() {
            ctx.bind(); // an engine closes from whichever thread closes it
            for (int l = 0; l < k.length; l++) {
                if (k[l] != null) {
                    ctx.free(k[l]);
                    ctx.free(v[l]);
                    k[l] = v[l] = null;
                }
            }
        }
    }

    /** Block-table width: the largest table in the step rounded up to a power of two (>= 64), so a
     *  decode graph stays valid while contexts grow and is re-captured only at 1K, 2K, ... tokens. */
    static int tableWidth(int maxBlocks) {
        return Math.max(64, Integer.highestOneBit(Math.max(1, maxBlocks - 1)) << 1);
    }

    void run(CudaTensor qkv, ForwardBatch batch, Pool pool, int layer, AttentionSpec a, CudaTensor out) {
        int nh = a.heads();
        int nkv = a.kvHeads();
        int d = a.headDim();
        int group = nh / nkv;
        int blockSize = pool.spec().blockSize();
        if (d > 128 || d % 2 != 0) {
            throw new IllegalArgumentException("attention kernels support even head_dim <= 128, got " + d);
        }
        if (batch != lastBatch) {
            int widest = 0;
            for (ForwardBatch.Seq s : batch.seqs()) {
                int need = (s.length() + blockSize - 1) / blockSize;
                if (s.blockTable().length < need) {
                    throw new IllegalStateException("sequence " + s.seqId() + " holds " + s.blockTable().length
                            + " blocks, needs " + need);
                }
                widest = Math.max(widest, s.blockTable().length);
            }
            meta = StepMetadata.of(batch, tableWidth(widest), group);
            dPositions = be.ints(meta.positions());
            dRowSeq = be.ints(meta.rowSeq());
            dTable = be.ints(meta.blockTable());
            dTiles = be.ints(meta.tiles());
            lastBatch = batch;
        }
        if (!meta.decode()) {
            be.graphs.notDecode();
        }
        int t = batch.rows();
        int kvw = a.kvWidth();
        be.launch(LaunchConfigs.rows("ls_kv_append", t), qkv.ptr, qkv.cols, nh * d, kvw, dPositions, dRowSeq, dTable,
                meta.maxBlocks(), blockSize, pool.k[layer], pool.v[layer]);
        int splits = LaunchConfigs.attentionSplits(meta.nTiles(), nkv, be.ctx.smCount, meta.decode());
        Launch l = LaunchConfigs.attention(meta.nTiles(), nkv, splits, meta.decode(), group, d);
        DevPtr wsO = splits > 1 ? be.temp(4L * splits * t * nh * d) : null;
        DevPtr wsMl = splits > 1 ? be.temp(8L * splits * t * nh) : null;
        int qr = LaunchConfigs.attentionRows(meta.decode(), group);
        be.launch(l, qkv.ptr, qkv.cols, nh, nkv, d, qr, dTiles, dPositions, dRowSeq, dTable, meta.maxBlocks(),
                blockSize, pool.k[layer], pool.v[layer], a.scale(), out.ptr, wsO, wsMl, t);
        if (splits > 1) {
            be.launch(new Launch("ls_attn_combine", t, nh, 1, Math.max(32, (d + 31) / 32 * 32), 0), wsO, wsMl, splits, t,
                    nh, d, out.ptr);
        }
    }

    /** A new step (or a step outside any batch) must rebuild the metadata. */
    void forget() {
        lastBatch = null;
    }
}
