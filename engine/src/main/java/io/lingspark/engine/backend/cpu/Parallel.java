package io.lingspark.engine.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Splits index ranges over a dedicated fork-join pool. A pool per backend (not the common pool) so
 * that Spark task threads calling into one shared engine do not compete with unrelated work.
 */
final class Parallel {
    private final ForkJoinPool pool;
    final int threads;

    Parallel(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = new ForkJoinPool(this.threads);
    }

    /** Runs body(i) for i in [0, n), in parallel chunks of at least grain indices. */
    void forRange(int n, int grain, IntConsumer body) {
        if (n <= 0) {
            return;
        }
        if (threads == 1 || n <= grain) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        pool.invoke(new Split(0, n, Math.max(1, grain), body));
    }

    void close() {
        pool.shutdown();
    }

    private static final class Split extends RecursiveAction {
        private final int lo;
        private final int hi;
        private final int grain;
        private final IntConsumer body;

        Split(int lo, int hi, int grain, IntConsumer body) {
            this.lo = lo;
            this.hi = hi;
            this.grain = grain;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (hi - lo <= grain) {
                for (int i = lo; i < hi; i++) {
                    body.accept(i);
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Split(lo, mid, grain, body), new Split(mid, hi, grain, body));
        }
    }
}
