package io.lingspark.engine.runtime;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A structured-output constraint's packed allowed-token mask applied to a logits row: step 1 of the
 * sampler (before penalties and temperature). A mask is [ceil(V / 64)] longs, bit id % 64 of word
 * id / 64 set when id is allowed (structured.TokenGrammar builds them).
 */
public final class LogitMask {
    private LogitMask() {
    }

    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> INT_LANES = IntVector.SPECIES_256;
    private static final IntVector LANE_BITS = IntVector.fromArray(INT_LANES, new int[] {1, 2, 4, 8, 16, 32, 64, 128}, 0);
    private static final int MASKED_BITS = Float.floatToRawIntBits(Float.NEGATIVE_INFINITY);

    /**
     * Masks l[off + id] for every id whose bit is clear: zero words are filled, full words skipped, and
     * mixed words (a string's content: most ids allowed, a scattered few not) blended 8 lanes at a time
     * from the word's bits, so the cost does not depend on how the allowed ids are spread.
     */
    public static void apply(float[] l, int off, int v, long[] allowed) {
        int words = (v + 63) >>> 6;
        for (int w = 0; w < words; w++) {
            long m = w < allowed.length ? allowed[w] : 0L;
            if (m == -1L) {
                continue;
            }
            int base = w << 6;
            int top = Math.min(base + 64, v);
            if (m == 0L) {
                Arrays.fill(l, off + base, off + top, Float.NEGATIVE_INFINITY);
                continue;
            }
            if (top - base == 64) {
                for (int j = 0; j < 64; j += 8) {
                    int at = off + base + j;
                    // lane i's bit is bit j + i of the word; lanes whose bit is clear take -inf (as int bits:
                    // JDK 17 compiles int compare/blend to vector instructions, not VectorMask.fromLong)
                    VectorMask<Integer> clear = IntVector.broadcast(INT_LANES, (int) (m >>> j)).and(LANE_BITS)
                        .compare(VectorOperators.EQ, 0);
                    FloatVector.fromArray(LANES, l, at).reinterpretAsInts().blend(MASKED_BITS, clear)
                        .reinterpretAsFloats().intoArray(l, at);
                }
                continue;
            }
            long clear = ~m;
            while (clear != 0) {
                int id = base + Long.numberOfTrailingZeros(clear);
                if (id >= top) {
                    break;
                }
                l[off + id] = Float.NEGATIVE_INFINITY;
                clear &= clear - 1;
            }
        }
    }

    /** Constraints allowing at most this many ids are sampled among their candidates, not by masking the row. */
    static final int SPARSE_MAX = 2048;

    /**
     * The allowed ids below v into ids (ascending) when there are at most {@link #SPARSE_MAX} of them;
     * returns their count, or -1 when there are more (or none: the caller masks the whole row).
     */
    static int candidates(long[] allowed, int v, int[] ids) {
        int words = Math.min(allowed.length, (v + 63) >>> 6);
        int n = 0;
        for (int w = 0; w < words; w++) {
            long m = allowed[w];
            if (m == 0) {
                continue;
            }
            n += Long.bitCount(m);
            if (n > SPARSE_MAX) {
                return -1;
            }
        }
        int k = 0;
        for (int w = 0; w < words; w++) {
            long m = allowed[w];
            while (m != 0) {
                int id = (w << 6) + Long.numberOfTrailingZeros(m);
                if (id < v) {
                    ids[k++] = id;
                }
                m &= m - 1;
            }
        }
        return k == 0 ? -1 : k;
    }

    /** True when the row's constraint allows no id but the min_tokens-blocked ones (its answer is complete). */
    static boolean onlyBlockedAllowed(long[] a, int[] blocked) {
        if (a == null) {
            return false;
        }
        for (int w = 0; w < a.length; w++) {
            long m = a[w];
            if (m == 0) {
                continue;
            }
            for (int id : blocked) {
                if (id >>> 6 == w) {
                    m &= ~(1L << id);
                }
            }
            if (m != 0) {
                return false;
            }
        }
        return true;
    }
}
