package io.lingspark.engine.backend.cpu;

import java.util.Arrays;

/** Per-layer row buffers of a CPU cache, grown by doubling so appending a token is amortised O(1). */
final class Growth {
    private Growth() {
    }

    /**
     * Makes every buffer of every group hold at least n rows of width floats (each buffer
     * [capacity, width]) and returns the new capacity; buffers are replaced in place in their group.
     */
    static int ensure(int capacity, int n, int width, float[][]... groups) {
        if (n <= capacity) {
            return capacity;
        }
        int cap = capacity;
        while (cap < n) {
            cap *= 2;
        }
        for (float[][] buffers : groups) {
            for (int l = 0; l < buffers.length; l++) {
                buffers[l] = Arrays.copyOf(buffers[l], cap * width);
            }
        }
        return cap;
    }
}
