package io.lingspark.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Splits index ranges over helper threads of its own (not the common pool, so that Spark task
 * threads calling into one shared engine do not compete with unrelated work).
 *
 * <p>The calling thread works too: a range is cut into chunks of {@code grain} indices that the caller
 * and the helpers claim from one counter. A batch-1 decode step runs ~45 ranges of tens of
 * microseconds each, separated by a few microseconds of serial code; a helper that parks after each
 * range must be woken for the next, and arrives late. So inside a step ({@link #stepActive}, set by
 * the backend's beginStep and endStep) an idle helper watches for the next range for up to
 * {@link #SPIN_NANOS} before parking, yielding between looks (a thread waiting for the core gets
 * it); outside steps it parks at once. Measured at batch-1 decode (bench-small, steady state, 6
 * alternating JVMs): 9.35 against 10.15 ms a step, median.
 *
 * <p>Under CPU contention nothing waits for a thread that is not running: a helper that has not
 * started by the time the caller has claimed every chunk finds nothing left, and the caller only
 * ever waits for chunks already being computed (no barrier that every helper must reach, the cause
 * of spinning pools' collapse under contention). A helper gives its core back within
 * {@link #SPIN_NANOS} of the last range.
 */
final class Parallel {
    /** How long an idle helper inside a step watches for the next range before parking. */
    static final long SPIN_NANOS = 100_000;
    /** A helper idle this long ends (a backend nobody closed keeps no threads); the next range starts it again. */
    static final long IDLE_EXIT_NANOS = 30_000_000_000L;
    private final long idleExitNanos;

    final int threads;
    private final AtomicReferenceArray<Thread> helpers; // null: not running
    /** The range helpers may join; null between ranges. One at a time: a nested or concurrent range runs on its caller. */
    private final AtomicReference<Range> current = new AtomicReference<>();
    /** Helpers parked or about to park: a new range unparks them. */
    private final AtomicInteger sleepers = new AtomicInteger();
    private volatile boolean stepActive;
    private volatile boolean closed;

    Parallel(int threads) {
        this(threads, IDLE_EXIT_NANOS);
    }

    Parallel(int threads, long idleExitNanos) {
        this.threads = Math.max(1, threads);
        this.idleExitNanos = idleExitNanos;
        this.helpers = new AtomicReferenceArray<>(this.threads - 1);
    }

    /** Starts helper i unless it runs. */
    private void ensureHelper(int i) {
        if (helpers.get(i) != null) {
            return;
        }
        Thread t = new Thread(() -> helperLoop(i), "lingspark-cpu-" + i);
        t.setDaemon(true);
        if (helpers.compareAndSet(i, null, t)) {
            t.start();
        }
    }

    /** Between beginStep and endStep idle helpers watch for the next range before parking. */
    void stepActive(boolean active) {
        stepActive = active;
    }

    /** Runs body(i) for i in [0, n), in chunks of grain indices shared by the caller and the helpers. */
    void forRange(int n, int grain, IntConsumer body) {
        if (n <= 0) {
            return;
        }
        int g = Math.max(1, grain);
        int chunks = (n + g - 1) / g;
        Range r = new Range(n, g, chunks, body);
        if (helpers.length() == 0 || chunks == 1 || closed || !current.compareAndSet(null, r)) {
            r.drain(); // one chunk, no helpers, or a range inside a range (an expert's silu): the caller alone
            r.await();
            return;
        }
        try {
            for (int i = 0; i < helpers.length(); i++) {
                ensureHelper(i);
            }
            if (sleepers.get() > 0) {
                for (int i = 0; i < helpers.length(); i++) {
                    LockSupport.unpark(helpers.get(i));
                }
            }
            r.drain();
        } finally {
            current.compareAndSet(r, null); // every chunk claimed: nothing left for a helper to join
        }
        r.await();
    }

    private void helperLoop(int index) {
        long idleSince = System.nanoTime();
        while (!closed) {
            Range r = current.get();
            if (r != null && r.hasWork()) {
                r.drain();
                idleSince = System.nanoTime();
                continue;
            }
            if (System.nanoTime() - idleSince > idleExitNanos) {
                helpers.compareAndSet(index, Thread.currentThread(), null); // the next range starts another
                return;
            }
            if (stepActive) {
                long end = System.nanoTime() + SPIN_NANOS;
                while (!closed && ((r = current.get()) == null || !r.hasWork()) && System.nanoTime() < end) {
                    Thread.yield(); // a core another thread is waiting for is handed over (contention)
                }
                if (r != null && r.hasWork()) {
                    continue;
                }
            }
            // Counted before the last look at current: a range published after that look sees the
            // count and unparks us (a permit given before park makes it return at once).
            sleepers.incrementAndGet();
            r = current.get();
            if (!closed && (r == null || !r.hasWork())) {
                LockSupport.parkNanos(this, 50_000_000L);
            }
            sleepers.decrementAndGet();
        }
    }

    /** Helper threads running now (tests). */
    int helpersRunning() {
        int n = 0;
        for (int i = 0; i < helpers.length(); i++) {
            n += helpers.get(i) != null ? 1 : 0;
        }
        return n;
    }

    void close() {
        closed = true;
        for (int i = 0; i < helpers.length(); i++) {
            LockSupport.unpark(helpers.get(i)); // null: nothing to do
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

        boolean hasWork() {
            return next.get() < chunks;
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
