package io.lingspark.engine.runtime;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The one owner of cache memory (nano-vllm's BlockManager): which sequence holds which of the pool's
 * blocks (blockSize tokens of every layer each) and which recurrent-state slot. The backend's pool
 * only stores; the scheduler asks here before every step and preempts when blocks run out.
 * Bookkeeping only, on the scheduler's thread (or a session's caller): not thread-safe.
 *
 * <p>Free blocks are a stack that starts in id order, so the ids ever handed out stay below the peak
 * number in use: the CPU pool allocates its chunks lazily and so follows the peak, not the budget.
 *
 * <p>Prefix caching (vLLM's automatic prefix caching): blocks are reference-counted, so several
 * tables can hold one block. A full block whose rows were computed can be registered under its
 * {@link BlockHash}; when no table holds it any more it stays cached, evictable, and is handed out
 * again only when the never-cached free blocks run out, least recently released first (a table
 * gives its blocks back from the last, so a chain's tail goes before its head). {@link #match} finds
 * the longest cached chain for a sequence's tokens and {@link #acquire} shares it.
 *
 * <p>{@link #fork} shares one table's leading blocks with a new one whatever their registration (the
 * continuations of a scored context), copy-on-write for a last block held only in part: the new table
 * gets a fresh block for it, and the source block (and, for hybrid models, the source's state slot)
 * stays held until the copy has run ({@link #releaseBlock}, {@link #releaseSlot}).
 */
public final class KvCacheManager {
    private final int blockSize;
    private final int[] freeBlocks;            // never-cached free blocks, a stack
    private int freeTop;
    private final int[] refs;                  // [blocks] tables holding each block
    private final BlockHash[] hashOf;          // [blocks] key of a registered block's contents, else null
    private final int[][] tokensOf;            // [blocks] a registered block's tokens (a hit compares them)
    private final Map<BlockHash, Integer> cached = new HashMap<>();
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>(); // registered, refs 0, LRU first
    private long evictions;
    private final int[] freeSlots;
    private int slotTop;
    private final int[] slotRefs;              // [slots] tables holding each slot, plus forks still to copy its state

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
        this.refs = new int[blocks];
        this.hashOf = new BlockHash[blocks];
        this.tokensOf = new int[blocks][];
        this.freeSlots = new int[slots];
        for (int i = 0; i < slots; i++) {
            freeSlots[i] = slots - 1 - i;
        }
        this.slotTop = slots;
        this.slotRefs = new int[slots];
    }

    public int blockSize() {
        return blockSize;
    }

    public int totalBlocks() {
        return freeBlocks.length;
    }

    /** Blocks a table can still get: never-cached free ones and cached ones no table holds. */
    public int freeBlocks() {
        return freeTop + evictable.size();
    }

    /** Blocks some table holds. */
    public int usedBlocks() {
        return freeBlocks.length - freeBlocks();
    }

    /** Registered blocks (held or evictable). */
    public int cachedBlocks() {
        return cached.size();
    }

    /** Cached blocks handed out again for other contents. */
    public long evictions() {
        return evictions;
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
        return blocksNeeded(t, tokens) <= freeBlocks();
    }

    /** Grows the table to hold tokens; the caller checked {@link #canGrow}. */
    public void grow(BlockTable t, int tokens) {
        int need = blocksNeeded(t, tokens);
        if (need > freeBlocks()) {
            throw new IllegalStateException("cache full: " + need + " blocks needed, " + freeBlocks() + " free of "
                + freeBlocks.length);
        }
        for (int i = 0; i < need; i++) {
            append(t, take());
        }
    }

    private static void append(BlockTable t, int block) {
        if (t.count == t.blocks.length) {
            t.blocks = Arrays.copyOf(t.blocks, 2 * t.blocks.length);
        }
        t.blocks[t.count++] = block;
    }

    /** A free block for new contents: a never-cached one, else the least recently released cached one. */
    private int take() {
        int b;
        if (freeTop > 0) {
            b = freeBlocks[--freeTop];
        } else {
            Iterator<Integer> it = evictable.iterator();
            b = it.next();
            it.remove();
            cached.remove(hashOf[b]);
            hashOf[b] = null;
            tokensOf[b] = null;
            evictions++;
        }
        refs[b] = 1;
        return b;
    }

    /**
     * How many leading blocks of a chain are cached with these contents: hashes[i] keys the block of
     * tokens[i·blockSize, (i+1)·blockSize); at most max blocks are looked at.
     */
    public int match(BlockHash[] hashes, int[] tokens, int max) {
        int n = 0;
        while (n < max) {
            Integer b = cached.get(hashes[n]);
            if (b == null || !Arrays.equals(tokensOf[b], 0, blockSize, tokens, n * blockSize, (n + 1) * blockSize)) {
                break;
            }
            n++;
        }
        return n;
    }

    /** Of the first n blocks of a matched chain, those no table holds (sharing them takes them off the free count). */
    public int idleAmong(BlockHash[] hashes, int n) {
        int idle = 0;
        for (int i = 0; i < n; i++) {
            idle += refs[cached.get(hashes[i])] == 0 ? 1 : 0;
        }
        return idle;
    }

    /** Puts the first n blocks of a matched chain into an empty table, shared (the caller matched them). */
    public void acquire(BlockTable t, BlockHash[] hashes, int n) {
        if (t.count != 0) {
            throw new IllegalStateException("a cached prefix goes into an empty table");
        }
        for (int i = 0; i < n; i++) {
            int b = cached.get(hashes[i]);
            if (refs[b]++ == 0) {
                evictable.remove(b);
            }
            append(t, b);
        }
    }

    /**
     * Registers the table's block number index, whose rows are now computed for tokens[index ·
     * blockSize ..], under its key. A block already registered, or contents already cached in another
     * block (two sequences computed the same prefix at once), stay as they are: the duplicate is
     * simply freed later.
     */
    public void register(BlockTable t, int index, BlockHash hash, int[] tokens) {
        int b = t.blocks[index];
        if (hashOf[b] != null || cached.containsKey(hash)) {
            return;
        }
        cached.put(hash, b);
        hashOf[b] = hash;
        tokensOf[b] = Arrays.copyOfRange(tokens, index * blockSize, (index + 1) * blockSize);
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
        slotRefs[t.slot] = 1;
        return true;
    }

    /**
     * Puts parent's first tokens into the empty table child: the blocks they fill shared, a block they
     * fill in part (tokens not a multiple of blockSize) as a fresh block of child's that must receive a
     * copy of the parent's. Returns that source block, held until {@link #releaseBlock}, or −1 when the
     * tokens end on a block boundary. The caller checked that one block is free when one is needed.
     */
    public int fork(BlockTable parent, BlockTable child, int tokens) {
        if (child.count != 0 || parent.count < blocksFor(tokens)) {
            throw new IllegalStateException("a fork goes into an empty table, from a table holding its tokens");
        }
        int full = tokens / blockSize;
        for (int i = 0; i < full; i++) {
            int b = parent.blocks[i];
            refs[b]++; // held by parent, so never evictable here
            append(child, b);
        }
        if (tokens % blockSize == 0) {
            return -1;
        }
        int source = parent.blocks[full];
        refs[source]++;
        append(child, take());
        return source;
    }

    /** Gives back one hold on a block (a fork's copy source once the copy has run). */
    public void releaseBlock(int block) {
        give(block);
    }

    /** One more hold on a taken slot (a fork restores its state from it): it stays taken until every hold is released. */
    public void holdSlot(int slot) {
        if (slotRefs[slot] <= 0) {
            throw new IllegalStateException("slot " + slot + " is free");
        }
        slotRefs[slot]++;
    }

    /** Gives back one hold on a slot; the last makes it free. */
    public void releaseSlot(int slot) {
        if (slotRefs[slot] <= 0) {
            throw new IllegalStateException("slot " + slot + " returned twice");
        }
        if (--slotRefs[slot] == 0) {
            freeSlots[slotTop++] = slot;
        }
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
            releaseSlot(t.slot);
            t.slot = -1;
        }
    }

    private void give(int block) {
        if (refs[block] <= 0) {
            throw new IllegalStateException("block " + block + " returned twice");
        }
        if (--refs[block] > 0) {
            return; // another table still holds it
        }
        if (hashOf[block] != null) {
            evictable.add(block);
        } else {
            freeBlocks[freeTop++] = block;
        }
    }
}
