package io.lingspark.engine.structured;

import java.util.Arrays;

/** An int[] as a hash key by content (partition refinement maps state signatures to class ids). */
record IntsKey(int[] v) {
    @Override
    public boolean equals(Object o) {
        return o instanceof IntsKey other && Arrays.equals(v, other.v);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(v);
    }
}
