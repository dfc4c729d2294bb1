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
