package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.KvCache;

/**
 * Keys and values of one sequence for every layer, fp32 on the heap: k[layer] and v[layer] are
 * [capacity, nkv·d], grown by doubling so a long generation never copies more than twice over.
 */
final class CpuKvCache implements KvCache {
    final int width;   // nkv·d
    final float[][] k; // [layers][capacity·width]
    final float[][] v;
    int length;
    int capacity;

    CpuKvCache(int layers, int width, int initialCapacity) {
        this.width = width;
        this.capacity = Math.max(16, initialCapacity);
        this.k = new float[layers][capacity * width];
        this.v = new float[layers][capacity * width];
    }

    /** Makes room for n tokens in total. */
    void ensure(int n) {
        capacity = Growth.ensure(capacity, n, width, k, v);
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void commit(int n) {
        length = n;
    }

    @Override
    public void truncate(int n) {
        length = Math.min(length, Math.max(0, n));
    }

    @Override
    public long bytes() {
        return 2L * k.length * capacity * width * 4;
    }

    @Override
    public void close() {
        // heap memory: the garbage collector reclaims it
    }
}
