package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.backend.KvCache;
import java.util.Arrays;

/**
 * One sequence's paged KV cache: a block table into the backend's pool. Position p lives in block
 * table[p / blockSize], slot p % blockSize, of every layer's K and V pools
 * ([blocks, blockSize, nkv·d] bf16 each). Growing takes blocks, truncating gives back the blocks
 * past the new length, closing gives back all.
 */
public final class CudaKvCache implements KvCache {
    private final BlockPool pool;
    private final long blockBytes;
    private int[] table = new int[8];
    private int blocks;
    private int length;
    private boolean closed;

    CudaKvCache(BlockPool pool, long blockBytes) {
        this.pool = pool;
        this.blockBytes = blockBytes;
    }

    /** Makes room for n tokens in total (before a step writes positions [length, n)). */
    public void ensure(int n) {
        int need = pool.blocksFor(n);
        while (blocks < need) {
            if (blocks == table.length) {
                table = Arrays.copyOf(table, table.length * 2);
            }
            int b = pool.take(); // take first: a full pool must leave the table unchanged
            table[blocks++] = b;
        }
    }

    /** Physical block ids in position order. */
    public int[] blockTable() {
        return Arrays.copyOf(table, blocks);
    }

    int blockCount() {
        return blocks;
    }

    int block(int i) {
        return table[i];
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void commit(int n) {
        length = n;
    }

    @Override
    public void truncate(int n) {
        length = Math.min(length, Math.max(0, n));
        int keep = pool.blocksFor(length);
        while (blocks > keep) {
            pool.give(table[--blocks]);
        }
    }

    @Override
    public long bytes() {
        return blocks * blockBytes;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            while (blocks > 0) {
                pool.give(table[--blocks]);
            }
            length = 0;
        }
    }
}
