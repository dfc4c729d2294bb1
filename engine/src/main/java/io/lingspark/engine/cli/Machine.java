package io.lingspark.engine.cli;

import java.util.concurrent.ForkJoinPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** What benchmarks report about the machine: its memory bandwidth, and how fast its cores run at the moment. */
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

    /**
     * GFLOP/s a core of bare fmas on the widest vectors, every worker at once, the median of 5 runs of
     * about 5 ms each. Not a limit the engine reaches but a probe of the moment: where the cores are
     * shared below the machine (a virtual machine's cores with busy siblings), the same loop runs at half
     * speed for seconds at a time, and a benchmark run in such a spell is slower for it. Taken before and
     * after a benchmark, it tells which runs to distrust.
     */
    static double fmaGflopsPerCore(int threads) {
        int n = workers(threads);
        int iters = 1 << 19;
        if (!fmaCompiled) { // 300 ms of short calls first: measured compiled (the vector operations are
            long end = System.nanoTime() + 300_000_000L; // intrinsics only once C2 has the loop), not half interpreted
            while (System.nanoTime() < end) {
                sink += fmaLoop(256);
            }
            fmaCompiled = true;
        }
        double[] rates = new double[5 * n];
        ForkJoinPool pool = new ForkJoinPool(n);
        try {
            for (int rep = 0; rep < 5; rep++) {
                int at = rep;
                pool.submit(() -> java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
                    long t0 = System.nanoTime();
                    float v = fmaLoop(iters);
                    double s = (System.nanoTime() - t0) / 1e9;
                    sink += v;
                    rates[at * n + i] = 12.0 * 2 * FMA_SPECIES.length() * iters / s / 1e9;
                })).join();
            }
        } finally {
            pool.shutdown();
        }
        java.util.Arrays.sort(rates);
        return rates[rates.length / 2];
    }

    private static volatile boolean fmaCompiled;
    /** Where the loops' results go, so that the JIT keeps the loops. */
    private static volatile float sink;

    /** The widest vectors; a constant, as the Vector API needs to compile to vector instructions. */
    private static final VectorSpecies<Float> FMA_SPECIES = FloatVector.SPECIES_PREFERRED;

    /**
     * 12 independent fma chains (enough to cover the fma latency on two units) for iters rounds, written
     * out: vectors kept in an array would be boxed, not held in registers.
     */
    private static float fmaLoop(int iters) {
        VectorSpecies<Float> f = FMA_SPECIES;
        FloatVector m = FloatVector.broadcast(f, 0.999999f);
        FloatVector c = FloatVector.broadcast(f, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(f, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iters; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).lane(0);
    }
}
