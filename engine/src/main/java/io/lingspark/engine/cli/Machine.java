package io.lingspark.engine.cli;

import java.util.concurrent.ForkJoinPool;

/** What benchmarks report about the machine, and its measured memory copy bandwidth. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        Runtime rt = Runtime.getRuntime();
        return System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", " + rt.availableProcessors()
            + " cores, Java " + System.getProperty("java.version") + ", max heap " + rt.maxMemory() / (1 << 20) + " MiB";
    }

    /** Array length both measurements use: 32 M longs = 256 MiB (per side for the copy). */
    private static final int LEN = 1 << 25;

    /** A share [from, to) of the array for worker i of n. */
    private interface Share {
        void run(int i, int from, int to);
    }

    /** Fewest seconds of five runs of every worker's share, the n workers in parallel. */
    private static double bestSeconds(int n, Share share) {
        ForkJoinPool pool = new ForkJoinPool(n);
        try {
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < 5; rep++) {
                long t0 = System.nanoTime();
                pool.submit(() -> java.util.stream.IntStream.range(0, n).parallel().forEach(i ->
                    share.run(i, (int) ((long) LEN * i / n), (int) ((long) LEN * (i + 1) / n)))).join();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return best;
        } finally {
            pool.shutdown();
        }
    }

    private static int workers(int threads) {
        return threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    /**
     * Read bandwidth in bytes/s: every thread sums its share of a 256 MiB array (four independent sums,
     * so the loop waits on memory, not on an add chain), best of five. What a batch-1 decode step, which
     * only reads weights, can at most stream; the copy bandwidth below also counts the bytes written.
     */
    static double readBandwidth(int threads) {
        int n = workers(threads);
        long[] src = new long[LEN];
        java.util.Arrays.fill(src, 3);
        long[] sums = new long[n];
        double s = bestSeconds(n, (i, from, to) -> {
            long a = 0;
            long b = 0;
            long c = 0;
            long d = 0;
            int j = from;
            for (; j + 4 <= to; j += 4) {
                a += src[j];
                b += src[j + 1];
                c += src[j + 2];
                d += src[j + 3];
            }
            for (; j < to; j++) {
                a += src[j];
            }
            sums[i] = a + b + c + d; // kept, so the loop is not removed
        });
        if (java.util.Arrays.stream(sums).sum() != 3L * LEN) {
            throw new IllegalStateException("read bandwidth: wrong sum");
        }
        return (double) LEN * Long.BYTES / s;
    }

    /**
     * STREAM-style copy bandwidth in bytes/s (bytes read + bytes written), over a 256 MiB buffer on
     * every thread, best of five: the practical ceiling for streaming weights from memory.
     */
    static double copyBandwidth(int threads) {
        long[] src = new long[LEN];
        long[] dst = new long[LEN];
        java.util.Arrays.fill(src, 7);
        double s = bestSeconds(workers(threads), (i, from, to) -> System.arraycopy(src, from, dst, from, to - from));
        return 2.0 * LEN * Long.BYTES / s;
    }
}
