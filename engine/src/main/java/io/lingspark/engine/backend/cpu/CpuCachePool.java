package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import java.util.Arrays;

/**
 * The CPU's paged cache, fp32 on the heap: for every KV layer a K and a V pool, for every MLA layer
 * one latent pool, each [blocks, blockSize, width]; for every linear layer one recurrent state
 * [heads, d, d] per slot. Position p of a sequence lives in block table[p / blockSize], row
 * p % blockSize, of every layer. Pools are arrays of chunks of {@link #CHUNK_BLOCKS} blocks, allocated
 * when a block in them is first written: the cache manager hands out low block ids first, so memory
 * follows the peak use, never the budget.
 */
final class CpuCachePool implements CachePool {
    static final int CHUNK_BLOCKS = 16;

    private final CacheSpec spec;
    private final int blocks;
    private final int slots;
    final int blockSize;
    private final int[] width;        // [layer] floats per token row (per slot for STATE layers)
    private final float[][][] k;      // [layer][chunk] -> [CHUNK_BLOCKS · blockSize · width]: K rows, or latent rows
    private final float[][][] v;      // [layer][chunk]: V rows (KV layers only)
    private final float[][][] state;  // [layer][slot] -> [width] (STATE layers only)
    private volatile long bytes; // written by the step's single-threaded part only

    CpuCachePool(CacheSpec spec, int blocks, int slots) {
        this.spec = spec;
        this.blocks = blocks;
        this.slots = slots;
        this.blockSize = spec.blockSize();
        int layers = spec.layers().size();
        this.width = new int[layers];
        for (int l = 0; l < layers; l++) {
            width[l] = spec.layers().get(l).width();
        }
        int chunks = (blocks + CHUNK_BLOCKS - 1) / CHUNK_BLOCKS;
        this.k = new float[layers][][];
        this.v = new float[layers][][];
        this.state = new float[layers][][];
        for (int l = 0; l < layers; l++) {
            switch (spec.layers().get(l).kind()) {
                case KV -> {
                    k[l] = new float[chunks][];
                    v[l] = new float[chunks][];
                }
                case LATENT -> k[l] = new float[chunks][];
                case STATE -> state[l] = new float[slots][];
            }
        }
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
        return slots;
    }

    /** Index of position p's row inside its chunk, in floats (p's block from the sequence's table). */
    int offset(int[] table, int p, int layer) {
        int b = table[p / blockSize];
        return ((b % CHUNK_BLOCKS) * blockSize + p % blockSize) * width[layer];
    }

    /** The K (or latent) chunk holding block b (of any sequence). */
    float[] kChunkOfBlock(int b, int layer) {
        return k[layer][b / CHUNK_BLOCKS];
    }

    float[] vChunkOfBlock(int b, int layer) {
        return v[layer][b / CHUNK_BLOCKS];
    }

    /** Index of block b's first row inside its chunk, in floats; row j of the block is width(layer) further on. */
    int blockOffset(int b, int layer) {
        return (b % CHUNK_BLOCKS) * blockSize * width[layer];
    }

    /** Floats per token row of a layer. */
    int width(int layer) {
        return width[layer];
    }

    /**
     * Where a sequence's positions [0, np) of one layer live: rows[p] is the chunk array holding
     * position p's K row (the latent for MLA layers), or its V row with values, and offs[p] the
     * offset of column col in it. Walked block by block, so kernels then loop over positions without
     * a division per position.
     */
    void rowsOf(int[] table, int np, int layer, boolean values, int col, float[][] rows, int[] offs) {
        int w = width[layer];
        for (int p0 = 0; p0 < np; p0 += blockSize) {
            int b = table[p0 / blockSize];
            float[] chunk = values ? vChunkOfBlock(b, layer) : kChunkOfBlock(b, layer);
            int row = blockOffset(b, layer) + col;
            for (int p = p0, pe = Math.min(np, p0 + blockSize); p < pe; p++, row += w) {
                rows[p] = chunk;
                offs[p] = row;
            }
        }
    }

    /** K (or latent) chunk holding position p (already written). */
    float[] kChunk(int[] table, int p, int layer) {
        return k[layer][table[p / blockSize] / CHUNK_BLOCKS];
    }

    float[] vChunk(int[] table, int p, int layer) {
        return v[layer][table[p / blockSize] / CHUNK_BLOCKS];
    }

    /** Makes sure the chunks holding positions [from, to) of a sequence exist (before writing them). */
    void ensure(int[] table, int from, int to, int layer) {
        for (int p = from; p < to; p += blockSize - p % blockSize) {
            int b = table[p / blockSize];
            if (b < 0 || b >= blocks) {
                throw new IllegalStateException("block " + b + " outside the pool of " + blocks);
            }
            int c = b / CHUNK_BLOCKS;
            long chunkFloats = (long) CHUNK_BLOCKS * blockSize * width[layer];
            if (k[layer][c] == null) {
                k[layer][c] = new float[Math.toIntExact(chunkFloats)];
                bytes += 4 * chunkFloats;
            }
            if (v[layer] != null && v[layer][c] == null) {
                v[layer][c] = new float[Math.toIntExact(chunkFloats)];
                bytes += 4 * chunkFloats;
            }
        }
    }

    /** The recurrent state of slot at layer (allocated zeroed on first use; call outside parallel loops). */
    float[] stateOf(int slot, int layer) {
        if (slot < 0 || slot >= slots) {
            throw new IllegalStateException("state slot " + slot + " outside the pool's " + slots);
        }
        float[] s = state[layer][slot];
        if (s == null) {
            s = new float[width[layer]];
            state[layer][slot] = s;
            bytes += 4L * s.length;
        }
        return s;
    }

    @Override
    public void copyBlock(int source, int destination) {
        int[] src = {source};
        int[] dst = {destination};
        for (int l = 0; l < width.length; l++) {
            if (k[l] == null) {
                continue; // a state layer: states are copied by slot (restoreFrom)
            }
            ensure(dst, 0, blockSize, l);
            int n = blockSize * width[l];
            float[] from = k[l][source / CHUNK_BLOCKS];
            if (from == null) {
                continue; // never written: the destination's rows are as undefined as the source's
            }
            System.arraycopy(from, offset(src, 0, l), kChunk(dst, 0, l), offset(dst, 0, l), n);
            if (v[l] != null) {
                System.arraycopy(v[l][source / CHUNK_BLOCKS], offset(src, 0, l), vChunk(dst, 0, l), offset(dst, 0, l), n);
            }
        }
    }

    @Override
    public void resetState(int slot) {
        for (float[][] perSlot : state) {
            if (perSlot != null && perSlot[slot] != null) {
                Arrays.fill(perSlot[slot], 0f);
            }
        }
    }

    @Override
    public float[] state(int slot, int layer) {
        if (state[layer] == null) {
            throw new IllegalArgumentException("layer " + layer + " holds no recurrent state");
        }
        float[] s = state[layer][slot];
        return s == null ? new float[width[layer]] : s.clone();
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        // heap memory: the garbage collector reclaims it
    }
}
