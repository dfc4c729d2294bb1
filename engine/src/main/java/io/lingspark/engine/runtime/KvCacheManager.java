package io.lingspark.engine.runtime;

import java.util.Arrays;

/**
 * The one owner of cache memory (nano-vllm's BlockManager): which sequence holds which of the pool's
 * blocks (blockSize tokens of every layer each) and which recurrent-state slot. The backend's pool
 * only stores; the scheduler asks here before every step and preempts when blocks run out.
 * Bookkeeping only, on the scheduler's thread (or a session's caller): not thread-safe.
 *
 * <p>Free blocks are a stack that starts in id order, so the ids ever handed out stay below the peak
 * number in use: the CPU pool allocates its chunks lazily and so follows the peak, not the budget.
 */
public final class KvCacheManager {
    private final int blockSize;
    private final int[] freeBlocks;
    private int freeTop;
    private final int[] freeSlots;
    private int slotTop;

    /** One sequence's blocks in position order, and its state slot (−1: none). */
    public static final class BlockTable {
        private int[] blocks = new int[4];
        private int count;
        private int slot = -1;

        public int blocks() {
            return count;
        }

        public int slot() {
            return slot;
        }

        /** A copy of the block ids (a step's data must not change under it). */
        public int[] snapshot() {
            return Arrays.copyOf(blocks, count);
        }
    }

    /**
     * @param blocks    blocks in the pool
     * @param blockSize tokens per block
     * @param slots     recurrent-state slots (0 for models without linear attention)
     */
    public KvCacheManager(int blocks, int blockSize, int slots) {
        if (blocks < 1 || blockSize < 1 || slots < 0) {
            throw new IllegalArgumentException("cache of " + blocks + " blocks of " + blockSize + ", " + slots + " slots");
        }
        this.blockSize = blockSize;
        this.freeBlocks = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            freeBlocks[i] = blocks - 1 - i; // pop order 0, 1, 2, ...
        }
        this.freeTop = blocks;
        this.freeSlots = new int[slots];
        for (int i = 0; i < slots; i++) {
            freeSlots[i] = slots - 1 - i;
        }
        this.slotTop = slots;
    }

    public int blockSize() {
        return blockSize;
    }

    public int totalBlocks() {
        return freeBlocks.length;
    }

    public int freeBlocks() {
        return freeTop;
    }

    public int usedBlocks() {
        return freeBlocks.length - freeTop;
    }

    public int totalSlots() {
        return freeSlots.length;
    }

    public int freeSlots() {
        return slotTop;
    }

    /** Whether sequences need a state slot (the model has linear-attention layers). */
    public boolean usesSlots() {
        return freeSlots.length > 0;
    }

    /** Tokens the whole pool holds. */
    public long capacityTokens() {
        return (long) freeBlocks.length * blockSize;
    }

    public int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }

    /** Blocks a table must add to hold tokens. */
    public int blocksNeeded(BlockTable t, int tokens) {
        return Math.max(0, blocksFor(tokens) - t.count);
    }

    public boolean canGrow(BlockTable t, int tokens) {
        return blocksNeeded(t, tokens) <= freeTop;
    }

    /** Grows the table to hold tokens; the caller checked {@link #canGrow}. */
    public void grow(BlockTable t, int tokens) {
        int need = blocksNeeded(t, tokens);
        if (need > freeTop) {
            throw new IllegalStateException("cache full: " + need + " blocks needed, " + freeTop + " free of " + freeBlocks.length);
        }
        if (t.count + need > t.blocks.length) {
            t.blocks = Arrays.copyOf(t.blocks, Math.max(t.count + need, 2 * t.blocks.length));
        }
        for (int i = 0; i < need; i++) {
            t.blocks[t.count++] = freeBlocks[--freeTop];
        }
    }

    /** Takes a state slot for the table; false when none is free. */
    public boolean takeSlot(BlockTable t) {
        if (t.slot >= 0) {
            return true;
        }
        if (slotTop == 0) {
            return false;
        }
        t.slot = freeSlots[--slotTop];
        return true;
    }

    /** Keeps the blocks holding the first tokens, gives back the rest. */
    public void truncate(BlockTable t, int tokens) {
        int keep = blocksFor(tokens);
        while (t.count > keep) {
            give(t.blocks[--t.count]);
        }
    }

    /** Gives back every block and the slot. */
    public void free(BlockTable t) {
        truncate(t, 0);
        if (t.slot >= 0) {
            freeSlots[slotTop++] = t.slot;
            t.slot = -1;
        }
    }

    private void give(int block) {
        if (freeTop == freeBlocks.length) {
            throw new IllegalStateException("block " + block + " returned twice");
        }
        freeBlocks[freeTop++] = block;
    }
}
