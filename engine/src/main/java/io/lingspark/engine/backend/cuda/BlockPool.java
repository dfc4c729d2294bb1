package io.lingspark.engine.backend.cuda;

/**
 * The KV-cache block pool's bookkeeping (host side, no device calls): a stack of free block ids.
 * Blocks are [blockSize tokens, all layers] slots of the per-layer K/V pools; a sequence holds a
 * block table (its blocks in position order). Running out is reported, never silently overwritten:
 * the scheduler preempts a sequence and retries.
 */
public final class BlockPool {
    private final int[] free;
    private int top;
    final int blockSize;

    public BlockPool(int blocks, int blockSize) {
        this.free = new int[blocks];
        this.blockSize = blockSize;
        for (int i = 0; i < blocks; i++) {
            free[i] = blocks - 1 - i; // pop order 0, 1, 2, ...
        }
        this.top = blocks;
    }

    public synchronized int available() {
        return top;
    }

    public int capacity() {
        return free.length;
    }

    /** Blocks needed for n tokens. */
    public int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }

    public synchronized int take() {
        if (top == 0) {
            throw new KvCacheFullException("KV cache full: all " + free.length + " blocks of " + blockSize + " tokens in use");
        }
        return free[--top];
    }

    public synchronized void give(int block) {
        if (top == free.length || block < 0 || block >= free.length) {
            throw new IllegalStateException("block " + block + " returned twice or out of range");
        }
        free[top++] = block;
    }

    /** Thrown when no block is free; the scheduler preempts and retries. */
    public static final class KvCacheFullException extends RuntimeException {
        public KvCacheFullException(String m) {
            super(m);
        }
    }
}
