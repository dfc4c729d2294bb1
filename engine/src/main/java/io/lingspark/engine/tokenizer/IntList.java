package io.lingspark.engine.tokenizer;

import java.util.Arrays;

/** A growable int array, so encoding long prompts does not box every id. */
final class IntList {
    private int[] data = new int[16];
    private int size;

    void add(int v) {
        if (size == data.length) {
            data = Arrays.copyOf(data, size * 2);
        }
        data[size++] = v;
    }

    void addAll(int[] vs) {
        if (size + vs.length > data.length) {
            data = Arrays.copyOf(data, Math.max(size * 2, size + vs.length));
        }
        System.arraycopy(vs, 0, data, size, vs.length);
        size += vs.length;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
