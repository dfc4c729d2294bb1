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

    /** Runs a range of 2 chunks that each wait for the other: completes only if a helper joins the caller. */
    private static void rangeNeedingTwoThreads(Parallel p) throws Exception {
        CountDownLatch both = new CountDownLatch(2);
        java.util.Set<Thread> inside = java.util.concurrent.ConcurrentHashMap.newKeySet();
        p.forRange(2, 1, i -> {
            inside.add(Thread.currentThread());
            both.countDown();
            try {
                assertTrue(both.await(10, TimeUnit.SECONDS), "no helper joined the range");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(2, inside.size());
    }

    @Test
    void helpersJoinInsideAndOutsideStepsAndAnIdleHelperEndsAndComesBack() throws Exception {
        Parallel p = new Parallel(2, 200_000_000L);
        try {
            rangeNeedingTwoThreads(p); // outside a step: the helper is woken from its park
            p.stepActive(true);
            for (int i = 0; i < 20; i++) {
                rangeNeedingTwoThreads(p); // inside: it watches for the range
            }
            p.stepActive(false);
            assertEquals(1, p.helpersRunning());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (p.helpersRunning() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, p.helpersRunning(), "an idle helper should end");
            rangeNeedingTwoThreads(p); // and the next range starts one again
            assertEquals(1, p.helpersRunning());
        } finally {
            p.close();
        }
    }
}
