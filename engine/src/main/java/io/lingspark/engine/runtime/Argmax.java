package io.lingspark.engine.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Greedy's argmax over a logits row, 8 lanes at a time: the row's maximum, then the first index holding
 * it, which is what the scalar "first strictly greater" loop returns (torch.argmax: the lowest id on
 * ties). A row with a NaN takes the scalar loop, whose answer (NaN skipped unless first) the lanes
 * cannot give. A 157,184-id row took ~75-115 µs scalar on the 2-core machine: per row and step, on
 * every greedy decode.
 */
final class Argmax {
    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_256;

    private Argmax() {
    }

    static int of(float[] l, int off, int v) {
        int n = LANES.loopBound(v);
        if (n < 4 * LANES.length()) {
            return scalar(l, off, v);
        }
        FloatVector acc = FloatVector.fromArray(LANES, l, off);
        for (int i = LANES.length(); i < n; i += LANES.length()) {
            acc = acc.max(FloatVector.fromArray(LANES, l, off + i));
        }
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (int i = n; i < v; i++) {
            max = Math.max(max, l[off + i]);
        }
        if (Float.isNaN(max)) {
            return scalar(l, off, v);
        }
        for (int i = 0; i < n; i += LANES.length()) {
            int hit = FloatVector.fromArray(LANES, l, off + i).compare(VectorOperators.EQ, max).firstTrue();
            if (hit < LANES.length()) {
                return i + hit;
            }
        }
        for (int i = n; i < v; i++) {
            if (l[off + i] == max) {
                return i;
            }
        }
        return scalar(l, off, v); // unreachable: max is an element of the row
    }

    static int scalar(float[] l, int off, int v) {
        int best = 0;
        for (int i = 1; i < v; i++) {
            if (l[off + i] > l[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
