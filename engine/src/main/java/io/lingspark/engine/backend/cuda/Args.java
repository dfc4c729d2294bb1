package io.lingspark.engine.backend.cuda;

import jcuda.Pointer;

/**
 * Kernel arguments for cuLaunchKernel: each value boxed into its own native cell, plus the raw
 * bits of every argument so that a graph replay can check it issues exactly what it captured.
 */
final class Args {
    final Pointer params;
    final long[] bits;

    private Args(Pointer params, long[] bits) {
        this.params = params;
        this.bits = bits;
    }

    /** DevPtr / null (a null device pointer), Integer, Long, Float. */
    static Args of(Object... a) {
        Pointer[] p = new Pointer[a.length];
        long[] bits = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            Object o = a[i];
            if (o == null) {
                p[i] = Pointer.to(new long[] {0});
            } else if (o instanceof DevPtr d) {
                bits[i] = d.address();
                p[i] = Pointer.to(new long[] {bits[i]});
            } else if (o instanceof Integer v) {
                bits[i] = v;
                p[i] = Pointer.to(new int[] {v});
            } else if (o instanceof Long v) {
                bits[i] = v;
                p[i] = Pointer.to(new long[] {v});
            } else if (o instanceof Float v) {
                bits[i] = Float.floatToRawIntBits(v);
                p[i] = Pointer.to(new float[] {v});
            } else {
                throw new IllegalArgumentException("kernel argument of type " + o.getClass());
            }
        }
        return new Args(Pointer.to(p), bits);
    }
}
