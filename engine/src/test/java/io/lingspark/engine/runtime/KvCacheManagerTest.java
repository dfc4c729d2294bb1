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
}
