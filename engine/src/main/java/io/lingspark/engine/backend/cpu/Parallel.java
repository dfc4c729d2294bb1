package io.lingspark.engine.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Splits index ranges over a dedicated pool. A pool per backend (not the common pool) so that Spark
 * task threads calling into one shared engine do not compete with unrelated work.
 *
 * <p>The calling thread works too: a range is cut into chunks of {@code grain} indices that the caller
 * and up to threads − 1 helpers claim from one counter. A decode step runs ~70 such ranges (several
 * per layer), each only tens of microseconds of work at batch 1, so waking a whole pool and parking
 * the caller for each was a visible share of the step. Under CPU contention a helper that has not
 * started by the time the caller has claimed every chunk finds nothing left and returns: the caller
 * never waits for a thread that is not running, only for chunks already being computed. Nothing
 * spins longer than a few microseconds; idle helpers park in the pool.
 */
final class Parallel {
    private final ForkJoinPool pool;
    final int threads;

    Parallel(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads - 1) : null;
    }

    /** Runs body(i) for i in [0, n), in chunks of grain indices shared by the caller and the pool. */
    void forRange(int n, int grain, IntConsumer body) {
        if (n <= 0) {
            return;
        }
        int g = Math.max(1, grain);
        int chunks = (n + g - 1) / g;
        if (pool == null || chunks == 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        Range r = new Range(n, g, chunks, body);
        int helpers = Math.min(threads - 1, chunks - 1);
        for (int h = 0; h < helpers; h++) {
            pool.execute(r::drain);
        }
        r.drain();
        r.await();
    }

    void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    /** One forRange call: chunks claimed from next, finished ones counted in done. */
    private static final class Range {
        private final int n;
        private final int grain;
        private final int chunks;
        private final IntConsumer body;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private volatile Throwable failure;

        Range(int n, int grain, int chunks, IntConsumer body) {
            this.n = n;
            this.grain = grain;
            this.chunks = chunks;
            this.body = body;
        }

        void drain() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                try {
                    if (failure == null) {
                        int end = Math.min(n, (c + 1) * grain);
                        for (int i = c * grain; i < end; i++) {
                            body.accept(i);
                        }
                    }
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    if (done.incrementAndGet() == chunks) {
                        synchronized (this) {
                            notifyAll();
                        }
                    }
                }
            }
        }

        /** Until every chunk is finished: a few microseconds of spinning (chunks finishing now), then a wait. */
        void await() {
            long spinEnd = System.nanoTime() + 5_000;
            while (done.get() < chunks && System.nanoTime() < spinEnd) {
                Thread.onSpinWait();
            }
            if (done.get() < chunks) {
                boolean interrupted = false;
                synchronized (this) {
                    while (done.get() < chunks) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            interrupted = true; // the chunks in flight still write our outputs: wait for them
                        }
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            Throwable f = failure;
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error err) {
                throw err;
            }
            if (f != null) {
                throw new IllegalStateException(f);
            }
        }
    }
}
