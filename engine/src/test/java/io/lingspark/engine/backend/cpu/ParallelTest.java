package io.lingspark.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The caller-participating ranges: every index once, failures rethrown, nesting and busy helpers. */
class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnce() {
        Parallel p = new Parallel(3);
        try {
            SplittableRandom r = new SplittableRandom(1);
            for (int trial = 0; trial < 200; trial++) {
                int n = r.nextInt(300);
                int grain = 1 + r.nextInt(20);
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                p.forRange(n, grain, hits::incrementAndGet);
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "n=" + n + " grain=" + grain + " index " + i);
                }
            }
        } finally {
            p.close();
        }
    }

    @Test
    void aFailureInAnyChunkIsRethrownAfterTheOthersFinish() {
        Parallel p = new Parallel(2);
        try {
            AtomicIntegerArray hits = new AtomicIntegerArray(64);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forRange(64, 1, i -> {
                hits.incrementAndGet(i);
                if (i == 37) {
                    throw new IllegalStateException("chunk 37");
                }
            }));
            assertEquals("chunk 37", e.getMessage());
            p.forRange(8, 1, i -> { }); // still usable
        } finally {
            p.close();
        }
    }

    @Test
    void nestedRangesAndBusyHelpersStillComplete() throws Exception {
        Parallel p = new Parallel(2);
        try {
            AtomicIntegerArray hits = new AtomicIntegerArray(16 * 16);
            p.forRange(16, 1, i -> p.forRange(16, 1, j -> hits.incrementAndGet(i * 16 + j)));
            for (int i = 0; i < 256; i++) {
                assertEquals(1, hits.get(i));
            }
            // The only helper is held inside a range's chunk; a second caller's range completes on
            // its own thread instead of waiting for that helper.
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread first = new Thread(() -> p.forRange(2, 1, i -> {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            first.start();
            assertTrue(held.await(10, TimeUnit.SECONDS));
            AtomicIntegerArray second = new AtomicIntegerArray(100);
            p.forRange(100, 1, second::incrementAndGet);
            for (int i = 0; i < 100; i++) {
                assertEquals(1, second.get(i));
            }
            release.countDown();
            first.join(10_000);
        } finally {
            p.close();
        }
    }
}
