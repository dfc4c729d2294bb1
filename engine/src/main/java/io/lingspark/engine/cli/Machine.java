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

    /**
     * Read bandwidth in bytes/s: every thread sums its share of a 256 MiB array (four independent sums,
     * so the loop waits on memory, not on an add chain), best of five. What a batch-1 decode step, which
     * only reads weights, can at most stream; the copy bandwidth below also counts the bytes written.
     */
    static double readBandwidth(int threads) {
        int n = threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads;
        int len = 1 << 25; // 32 M longs = 256 MiB
        long[] src = new long[len];
        java.util.Arrays.fill(src, 3);
        long[] sums = new long[n];
        ForkJoinPool pool = new ForkJoinPool(n);
        try {
            double best = 0;
            for (int rep = 0; rep < 5; rep++) {
                long t0 = System.nanoTime();
                pool.submit(() -> java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
                    int from = (int) ((long) len * i / n);
                    int to = (int) ((long) len * (i + 1) / n);
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
                })).join();
                double s = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, (double) len * Long.BYTES / s);
            }
            if (java.util.Arrays.stream(sums).sum() != 3L * len) {
                throw new IllegalStateException("read bandwidth: wrong sum");
            }
            return best;
        } finally {
            pool.shutdown();
        }
    }

    /**
     * STREAM-style copy bandwidth in bytes/s (bytes read + bytes written), over a 256 MiB buffer on
     * every thread, best of five: the practical ceiling for streaming weights from memory.
     */
    static double copyBandwidth(int threads) {
        int n = threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads;
        int len = 1 << 25; // 32 M longs = 256 MiB per side
        long[] src = new long[len];
        long[] dst = new long[len];
        java.util.Arrays.fill(src, 7);
        ForkJoinPool pool = new ForkJoinPool(n);
        try {
            double best = 0;
            for (int rep = 0; rep < 5; rep++) {
                long t0 = System.nanoTime();
                pool.submit(() -> java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
                    int from = (int) ((long) len * i / n);
                    int to = (int) ((long) len * (i + 1) / n);
                    System.arraycopy(src, from, dst, from, to - from);
                })).join();
                double s = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, 2.0 * len * Long.BYTES / s);
            }
            return best;
        } finally {
            pool.shutdown();
        }
    }
}
