package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Block and slot bookkeeping. */
class KvCacheManagerTest {
    @Test
    void tablesTakeAndGiveBackBlocks() {
        KvCacheManager m = new KvCacheManager(10, 16, 0);
        KvCacheManager.BlockTable a = new KvCacheManager.BlockTable();
        m.grow(a, 33); // 3 blocks
        assertArrayEquals(new int[] {0, 1, 2}, a.snapshot());
        KvCacheManager.BlockTable b = new KvCacheManager.BlockTable();
        m.grow(b, 16);
        assertArrayEquals(new int[] {3}, b.snapshot());
        m.truncate(a, 17); // keeps 2 blocks
        assertEquals(2, a.blocks());
        assertEquals(7, m.freeBlocks());
        assertEquals(3, m.usedBlocks());
        assertTrue(m.canGrow(b, 16 * 8));
        assertFalse(m.canGrow(b, 16 * 9));
        assertThrows(IllegalStateException.class, () -> m.grow(b, 16 * 9));
        assertEquals(1, b.blocks(), "a failed grow leaves the table as it was");
        m.grow(b, 20);
        assertArrayEquals(new int[] {3, 2}, b.snapshot(), "the block given back last is taken first");
        m.free(a);
        m.free(b);
        assertEquals(10, m.freeBlocks());
        assertEquals(160, m.capacityTokens());
    }

    @Test
    void idsStayBelowThePeakInUse() {
        KvCacheManager m = new KvCacheManager(1000, 16, 0);
        int max = -1;
        for (int round = 0; round < 50; round++) {
            KvCacheManager.BlockTable[] ts = new KvCacheManager.BlockTable[5];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = new KvCacheManager.BlockTable();
                m.grow(ts[i], 16 * (1 + (round + i) % 4));
                for (int b : ts[i].snapshot()) {
                    max = Math.max(max, b);
                }
            }
            for (KvCacheManager.BlockTable t : ts) {
                m.free(t);
            }
        }
        assertTrue(max < 20, "5 sequences of at most 4 blocks touch ids below 20, got " + max);
    }

    @Test
    void slotsAreCountedApart() {
        KvCacheManager m = new KvCacheManager(4, 16, 2);
        assertTrue(m.usesSlots());
        KvCacheManager.BlockTable a = new KvCacheManager.BlockTable();
        KvCacheManager.BlockTable b = new KvCacheManager.BlockTable();
        KvCacheManager.BlockTable c = new KvCacheManager.BlockTable();
        assertTrue(m.takeSlot(a));
        assertTrue(m.takeSlot(b));
        assertFalse(m.takeSlot(c));
        assertEquals(-1, c.slot());
        m.free(a);
        assertTrue(m.takeSlot(c));
        assertEquals(0, m.freeSlots());
    }

    /** Keys of the full blocks of tokens, as the prefix cache makes them. */
    static BlockHash[] keys(int[] tokens, int blockSize) {
        BlockHash.Hasher h = new BlockHash.Hasher(blockSize);
        BlockHash[] out = new BlockHash[tokens.length / blockSize];
        for (int i = 0; i < out.length; i++) {
            out[i] = h.next(i == 0 ? BlockHash.ROOT : out[i - 1], tokens, i * blockSize, blockSize);
        }
        return out;
    }

    static int[] tokens(int n, int salt) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i * 7 + salt;
        }
        return t;
    }

    /** Computes a sequence into a fresh table and registers its full blocks (as a finished prefill does). */
    static KvCacheManager.BlockTable computed(KvCacheManager m, int[] tokens) {
        KvCacheManager.BlockTable t = new KvCacheManager.BlockTable();
        m.grow(t, tokens.length);
        BlockHash[] k = keys(tokens, m.blockSize());
        for (int i = 0; i < k.length; i++) {
            m.register(t, i, k[i], tokens);
        }
        return t;
    }

    @Test
    void aChainIsSharedByReferenceAndStaysCachedWhenReleased() {
        KvCacheManager m = new KvCacheManager(10, 4, 0);
        int[] a = tokens(12, 0);
        KvCacheManager.BlockTable ta = computed(m, a); // blocks 0, 1, 2
        int[] b = a.clone();
        b[9] = 999; // parts from a in its third block
        BlockHash[] kb = keys(b, 4);
        assertEquals(2, m.match(kb, b, 3));
        KvCacheManager.BlockTable tb = new KvCacheManager.BlockTable();
        assertEquals(0, m.idleAmong(kb, 2), "a still holds them");
        m.acquire(tb, kb, 2);
        m.grow(tb, 12);
        assertArrayEquals(new int[] {0, 1, 3}, tb.snapshot(), "two shared blocks and one of its own");
        assertEquals(4, m.usedBlocks());
        m.free(ta);
        assertEquals(3, m.usedBlocks(), "block 2 is cached, not held; 0, 1 and 3 are b's");
        m.free(tb);
        assertEquals(10, m.freeBlocks());
        assertEquals(3, m.cachedBlocks(), "b's own block was never registered");
        assertEquals(2, m.idleAmong(keys(a, 4), 2));
        assertEquals(3, m.match(keys(a, 4), a, 3), "a's chain is still there, whole");
    }

    @Test
    void aHitComparesTheTokensNotOnlyTheKey() {
        KvCacheManager m = new KvCacheManager(4, 4, 0);
        int[] a = tokens(8, 0);
        m.free(computed(m, a));
        int[] forged = tokens(8, 1);
        assertEquals(0, m.match(keys(a, 4), forged, 2), "the same keys over other tokens are no hit");
    }

    @Test
    void cachedBlocksAreEvictedOnlyWhenFreeOnesRunOutTailFirst() {
        KvCacheManager m = new KvCacheManager(6, 4, 0);
        int[] a = tokens(12, 0);
        m.free(computed(m, a)); // blocks 0, 1, 2 cached
        KvCacheManager.BlockTable t = new KvCacheManager.BlockTable();
        m.grow(t, 12);
        assertArrayEquals(new int[] {3, 4, 5}, t.snapshot(), "never-cached blocks first");
        assertEquals(0, m.evictions());
        m.grow(t, 16);
        assertEquals(1, m.evictions());
        assertEquals(2, t.snapshot()[3], "a's last block goes first");
        assertEquals(2, m.match(keys(a, 4), a, 3), "its head is still cached");
        m.free(t);
        assertEquals(6, m.freeBlocks());
    }

    @Test
    void aForkSharesFullBlocksAndHoldsThePartialOneAndTheSlotUntilTheCopy() {
        KvCacheManager m = new KvCacheManager(10, 16, 3);
        KvCacheManager.BlockTable lead = new KvCacheManager.BlockTable();
        assertTrue(m.takeSlot(lead));
        m.grow(lead, 40); // blocks 0, 1, 2: the context of 37 tokens ends inside block 2
        KvCacheManager.BlockTable fork = new KvCacheManager.BlockTable();
        assertTrue(m.takeSlot(fork));
        int source = m.fork(lead, fork, 37);
        assertEquals(2, source);
        assertArrayEquals(new int[] {0, 1, 3}, fork.snapshot(), "full blocks shared, a fresh block for the partial one");
        assertEquals(4, m.usedBlocks());
        m.holdSlot(lead.slot());
        int leadSlot = lead.slot();
        m.free(lead); // the lead leaves before the fork's first step ran
        assertEquals(4, m.usedBlocks(), "the fork holds the shared blocks and the copy source");
        assertEquals(1, m.freeSlots(), "and the lead's slot");
        m.releaseBlock(source);
        m.releaseSlot(leadSlot);
        assertEquals(3, m.usedBlocks());
        assertEquals(2, m.freeSlots());
        assertThrows(IllegalStateException.class, () -> m.releaseSlot(leadSlot));
        assertEquals(-1, m.fork(fork, new KvCacheManager.BlockTable(), 32), "a context ending on a block boundary copies nothing");
        m.free(fork);
        assertEquals(2, m.usedBlocks(), "the last fork's shared blocks");
    }
}
