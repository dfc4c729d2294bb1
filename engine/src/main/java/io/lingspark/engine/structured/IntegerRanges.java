package io.lingspark.engine.structured;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * Decimal integers in canonical JSON form ({@code -?(0|[1-9][0-9]*)}, never {@code -0}) restricted to a
 * closed range whose ends may be missing. BigInteger throughout, so any long bound (and beyond) is exact;
 * Lucene's makeDecimalInterval is int-only and non-negative.
 */
final class IntegerRanges {
    private static final BigInteger TEN = BigInteger.TEN;

    private IntegerRanges() {
    }

    /** Lowest integer satisfying both lower bounds (either may be null; exclusive means strictly above). */
    static BigInteger lower(BigDecimal inclusive, BigDecimal exclusive) {
        BigInteger a = inclusive == null ? null : inclusive.setScale(0, RoundingMode.CEILING).toBigIntegerExact();
        BigInteger b = exclusive == null ? null
                : exclusive.setScale(0, RoundingMode.FLOOR).toBigIntegerExact().add(BigInteger.ONE);
        return a == null ? b : b == null ? a : a.max(b);
    }

    /** Highest integer satisfying both upper bounds (either may be null). */
    static BigInteger upper(BigDecimal inclusive, BigDecimal exclusive) {
        BigInteger a = inclusive == null ? null : inclusive.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        BigInteger b = exclusive == null ? null
                : exclusive.setScale(0, RoundingMode.CEILING).toBigIntegerExact().subtract(BigInteger.ONE);
        return a == null ? b : b == null ? a : a.min(b);
    }

    /** Integers in [lo, hi]; null means unbounded on that side. Empty language when lo > hi. */
    static Automaton range(BigInteger lo, BigInteger hi) {
        List<Automaton> parts = new ArrayList<>();
        if (hi == null || hi.signum() >= 0) {
            BigInteger from = lo == null || lo.signum() < 0 ? BigInteger.ZERO : lo;
            parts.add(nonNegative(from, hi));
        }
        if (lo == null || lo.signum() < 0) {
            // x in [lo, min(hi, -1)]  <=>  |x| in [max(1, -hi), -lo]
            BigInteger absLo = hi == null || hi.signum() >= 0 ? BigInteger.ONE : hi.negate();
            BigInteger absHi = lo == null ? null : lo.negate();
            parts.add(Operations.concatenate(Automata.makeChar('-'), nonNegative(absLo, absHi)));
        }
        return Operations.union(parts);
    }

    /** Canonical non-negative integers in [lo, hi], lo >= 0, hi null for no upper bound. */
    static Automaton nonNegative(BigInteger lo, BigInteger hi) {
        if (hi != null && lo.compareTo(hi) > 0) {
            return Automata.makeEmpty();
        }
        int loLen = lo.toString().length();
        List<Automaton> parts = new ArrayList<>();
        if (hi == null) {
            // Every number with more digits than lo is above it.
            parts.add(sameLength(lo.toString(), TEN.pow(loLen).subtract(BigInteger.ONE).toString()));
            parts.add(Operations.concatenate(List.of(Automata.makeCharRange('1', '9'),
                    Operations.repeat(Automata.makeCharRange('0', '9'), loLen))));
        } else {
            int hiLen = hi.toString().length();
            for (int len = loLen; len <= hiLen; len++) {
                BigInteger first = len == 1 ? BigInteger.ZERO : TEN.pow(len - 1);
                BigInteger last = TEN.pow(len).subtract(BigInteger.ONE);
                parts.add(sameLength(lo.max(first).toString(), hi.min(last).toString()));
            }
        }
        return Operations.union(parts);
    }

    /** Digit strings of x's length between x and y inclusive (x <= y, same length). */
    private static Automaton sameLength(String x, String y) {
        int n = x.length();
        if (n == 0) {
            return Automata.makeEmptyString();
        }
        char x0 = x.charAt(0);
        char y0 = y.charAt(0);
        String xs = x.substring(1);
        String ys = y.substring(1);
        if (x0 == y0) {
            return Operations.concatenate(Automata.makeChar(x0), sameLength(xs, ys));
        }
        if (xs.chars().allMatch(c -> c == '0') && ys.chars().allMatch(c -> c == '9')) {
            return Operations.concatenate(Automata.makeCharRange(x0, y0), anyDigits(n - 1));
        }
        List<Automaton> parts = new ArrayList<>();
        parts.add(Operations.concatenate(Automata.makeChar(x0), sameLength(xs, "9".repeat(n - 1))));
        if (y0 - x0 > 1) {
            parts.add(Operations.concatenate(Automata.makeCharRange(x0 + 1, y0 - 1), anyDigits(n - 1)));
        }
        parts.add(Operations.concatenate(Automata.makeChar(y0), sameLength("0".repeat(n - 1), ys)));
        return Operations.union(parts);
    }

    private static Automaton anyDigits(int n) {
        return Operations.repeat(Automata.makeCharRange('0', '9'), n, n);
    }
}
