package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.weights.HostMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Compiles the matrix kernels before the first request needs them. Vector API code runs boxed (one
 * object per vector operation) until C2 compiles it, and the kernels reach C2's thresholds only after
 * seconds of such slow calls: measured on the 2-core development machine, a first 256-token prefill
 * ran its products at about 1 GFLOP/s for ~3 s before the 4×4 tiles ran at 60. So the first CPU
 * backend of a JVM starts one low-priority daemon thread that calls every kernel shape (tiles of 1-4
 * tokens, ragged rows and tokens) on a small synthetic weight; it overlaps with weight loading,
 * stops after {@link #CALLS} rounds or {@link #MAX_NANOS}, and computes nothing anyone reads. The
 * first backend with int8 weights starts a second one for the int8 kernels (bf16-only runs never pay
 * for it).
 */
final class KernelWarmup {
    /** Rounds of calls: each kernel's loop then exceeds C2's back-edge and invocation thresholds. */
    static final int CALLS = 2000;
    /** Never longer than this (a loaded machine: it competes with loading for the cores). */
    static final long MAX_NANOS = 8_000_000_000L;

    private static boolean started;
    private static boolean startedInt8;

    private KernelWarmup() {
    }

    /** Starts the warm-up thread once per JVM. */
    static synchronized void start() {
        if (started || !enabled()) {
            return;
        }
        started = true;
        thread(KernelWarmup::run, "lingspark-cpu-kernel-warmup");
    }

    /** The same for the int8 kernels ({@link Q8Kernels}), once per JVM, when a backend holds int8 weights. */
    static synchronized void startInt8() {
        if (startedInt8 || !enabled()) {
            return;
        }
        startedInt8 = true;
        thread(KernelWarmup::runInt8, "lingspark-cpu-int8-warmup");
    }

    private static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("lingspark.cpu.warmup", "true"));
    }

    private static void thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    static void run() {
        run(false);
    }

    static void runInt8() {
        run(true);
    }

    /** Calls every kernel shape on a small synthetic weight, bf16 or quantized to int8. */
    private static void run(boolean int8) {
        int k = 256;
        int rows = 9; // two 4-row tiles and a ragged row
        int tokens = WideKernels.TOKEN_BLOCK + 6; // two token blocks (prefill's profile), 4-token tiles, ragged tokens
        ByteBuffer b = ByteBuffer.allocateDirect(2 * rows * k).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * k; i++) {
            b.putShort(2 * i, (short) (Float.floatToRawIntBits(0.01f * (i % 97)) >>> 16));
        }
        CpuWeight bf16 = new CpuWeight(HostMatrix.ofParts("warmup", k, HostMatrix.Format.BF16,
            List.of(new HostMatrix.Part(b, rows, 0, null, 0, 0, 0))));
        CpuWeight w;
        if (int8) {
            Parallel one = new Parallel(1); // no helper threads: the caller quantizes the 9 rows
            w = bf16.quantize(one);
            one.close();
        } else {
            w = bf16;
        }
        float[] x = new float[tokens * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 13) * 0.1f;
        }
        float[] out = new float[tokens * rows];
        long t0 = System.nanoTime();
        for (int i = 0; i < CALLS && System.nanoTime() - t0 < MAX_NANOS; i++) {
            MatmulKernels.matmulRows(x, tokens, w, out, 0, rows);
            MatmulKernels.matmulRows(x, 3, w, out, 0, rows); // decode's experts: 1-3 tokens each
            MatmulKernels.matmulRows(x, 1, w, out, 0, rows);
        }
    }
}
