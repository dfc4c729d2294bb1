package io.lingspark.engine.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.util.automaton.Automaton;

/**
 * An immutable set of Unicode scalar values as sorted, disjoint, non-adjacent closed ranges. Character
 * classes are computed here (complements, unions) and only then turned into a one-transition-layer
 * automaton, which keeps negated classes small and exact.
 *
 * <p>The universe excludes the surrogate code points U+D800..U+DFFF: they cannot appear in well-formed
 * UTF-8, so a constraint that allowed them could never be met by a token sequence anyway.
 */
final class CodePointSet {
    static final int MAX = 0x10FFFF;
    static final CodePointSet EMPTY = new CodePointSet(new int[0]);
    static final CodePointSet ALL = ranges(0, 0xD7FF, 0xE000, MAX);

    /** Flattened [lo0, hi0, lo1, hi1, ...]. */
    private final int[] r;

    private CodePointSet(int[] ranges) {
        this.r = ranges;
    }

    static CodePointSet of(int... codePoints) {
        int[] pairs = new int[codePoints.length * 2];
        for (int i = 0; i < codePoints.length; i++) {
            pairs[2 * i] = codePoints[i];
            pairs[2 * i + 1] = codePoints[i];
        }
        return ranges(pairs);
    }

    /** Pairs lo, hi (inclusive); normalized, and clipped to {@link #ALL} only via {@link #intersect}. */
    static CodePointSet ranges(int... pairs) {
        int n = pairs.length / 2;
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) {
            if (pairs[2 * i] > pairs[2 * i + 1]) {
                throw new IllegalArgumentException("range out of order");
            }
            packed[i] = ((long) pairs[2 * i] << 32) | pairs[2 * i + 1];
        }
        Arrays.sort(packed);
        List<int[]> out = new ArrayList<>();
        for (long p : packed) {
            int lo = (int) (p >>> 32);
            int hi = (int) p;
            int[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && lo <= last[1] + 1) {
                last[1] = Math.max(last[1], hi);
            } else {
                out.add(new int[] {lo, hi});
            }
        }
        int[] flat = new int[out.size() * 2];
        for (int i = 0; i < out.size(); i++) {
            flat[2 * i] = out.get(i)[0];
            flat[2 * i + 1] = out.get(i)[1];
        }
        return new CodePointSet(flat);
    }

    CodePointSet union(CodePointSet o) {
        int[] both = Arrays.copyOf(r, r.length + o.r.length);
        System.arraycopy(o.r, 0, both, r.length, o.r.length);
        return ranges(both);
    }

    /** Complement within {@link #ALL}. */
    CodePointSet complement() {
        List<Integer> out = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < r.length; i += 2) {
            if (r[i] > next) {
                out.add(next);
                out.add(r[i] - 1);
            }
            next = r[i + 1] + 1;
        }
        if (next <= MAX) {
            out.add(next);
            out.add(MAX);
        }
        return ranges(out.stream().mapToInt(Integer::intValue).toArray()).intersect(ALL);
    }

    CodePointSet intersect(CodePointSet o) {
        List<Integer> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < r.length && j < o.r.length) {
            int lo = Math.max(r[i], o.r[j]);
            int hi = Math.min(r[i + 1], o.r[j + 1]);
            if (lo <= hi) {
                out.add(lo);
                out.add(hi);
            }
            if (r[i + 1] < o.r[j + 1]) {
                i += 2;
            } else {
                j += 2;
            }
        }
        return ranges(out.stream().mapToInt(Integer::intValue).toArray());
    }

    CodePointSet minus(CodePointSet o) {
        return intersect(o.complement());
    }

    boolean isEmpty() {
        return r.length == 0;
    }

    /** The language of one character from this set (empty language for the empty set). */
    Automaton toAutomaton() {
        Automaton a = new Automaton();
        int start = a.createState();
        int end = a.createState();
        a.setAccept(end, true);
        for (int i = 0; i < r.length; i += 2) {
            a.addTransition(start, end, r[i], r[i + 1]);
        }
        a.finishState();
        return a;
    }
}
