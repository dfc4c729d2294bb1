package io.lingspark.engine.structured;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * JSON numbers within decimal bounds, exactly. Bounded numbers are generated without an exponent
 * ({@code -?(0|[1-9][0-9]*)(\.[0-9]+)?}, never a minus sign on zero) so the value can be compared digit
 * by digit: an unsigned u = I.F against a magnitude A.B compares the integer parts first and, when
 * they are equal, the fractions as digit strings padded with zeros.
 */
final class NumberRanges {
    private static final Automaton DIGIT = Automata.makeCharRange('0', '9');
    private static final Automaton DIGITS = Operations.repeat(DIGIT);
    private static final Automaton ANY_FRACTION = Operations.optional(
            Operations.concatenate(Automata.makeChar('.'), Operations.repeat(DIGIT, 1)));
    private static final Automaton ANY_UNSIGNED = Operations.concatenate(
            IntegerRanges.nonNegative(BigInteger.ZERO, null), ANY_FRACTION);

    enum Cmp { GE, GT, LE, LT }

    private NumberRanges() {
    }

    /** Numbers x with lower (inclusive or exclusive) and upper bounds; null bounds are absent. */
    static Automaton range(BigDecimal min, BigDecimal exclusiveMin, BigDecimal max, BigDecimal exclusiveMax) {
        Automaton a = Operations.union(ANY_UNSIGNED, negative(ANY_UNSIGNED));
        if (min != null) {
            a = Operations.intersection(a, GrammarCompiler.minimize(signed(Cmp.GE, min), "number range"));
        }
        if (exclusiveMin != null) {
            a = Operations.intersection(a, GrammarCompiler.minimize(signed(Cmp.GT, exclusiveMin), "number range"));
        }
        if (max != null) {
            a = Operations.intersection(a, GrammarCompiler.minimize(signed(Cmp.LE, max), "number range"));
        }
        if (exclusiveMax != null) {
            a = Operations.intersection(a, GrammarCompiler.minimize(signed(Cmp.LT, exclusiveMax), "number range"));
        }
        return a;
    }

    /** All x with x cmp b. Negative x is "-" followed by a non-zero magnitude; x >= -m means |x| <= m. */
    private static Automaton signed(Cmp cmp, BigDecimal b) {
        BigDecimal m = b.abs();
        boolean nonNegativeBound = b.signum() >= 0;
        return switch (cmp) {
            case GE -> nonNegativeBound ? magnitude(Cmp.GE, m)
                    : Operations.union(ANY_UNSIGNED, negative(magnitude(Cmp.LE, m)));
            case GT -> nonNegativeBound ? magnitude(Cmp.GT, m)
                    : Operations.union(ANY_UNSIGNED, negative(magnitude(Cmp.LT, m)));
            case LE -> nonNegativeBound ? Operations.union(magnitude(Cmp.LE, m), negative(ANY_UNSIGNED))
                    : negative(magnitude(Cmp.GE, m));
            case LT -> b.signum() > 0 ? Operations.union(magnitude(Cmp.LT, m), negative(ANY_UNSIGNED))
                    : negative(magnitude(Cmp.GT, m));
        };
    }

    /** "-" and a magnitude above zero (no negative zero). */
    private static Automaton negative(Automaton unsigned) {
        return Operations.concatenate(Automata.makeChar('-'),
                Operations.intersection(unsigned, magnitude(Cmp.GT, BigDecimal.ZERO)));
    }

    /** Unsigned number strings u with value(u) cmp m, m >= 0. */
    static Automaton magnitude(Cmp cmp, BigDecimal m) {
        BigDecimal stripped = m.stripTrailingZeros();
        BigInteger intPart = stripped.toBigInteger();
        String fraction = stripped.scale() <= 0 ? ""
                : stripped.subtract(new BigDecimal(intPart)).toPlainString().substring(2);
        Automaton beyond = cmp == Cmp.GE || cmp == Cmp.GT
                ? IntegerRanges.nonNegative(intPart.add(BigInteger.ONE), null)
                : intPart.signum() == 0 ? Automata.makeEmpty()
                : IntegerRanges.nonNegative(BigInteger.ZERO, intPart.subtract(BigInteger.ONE));
        Automaton equalInt = Operations.concatenate(Automata.makeString(intPart.toString()), fractionPart(cmp, fraction));
        return Operations.union(Operations.concatenate(beyond, ANY_FRACTION), equalInt);
    }

    /** The optional ".F" with 0.F cmp 0.fraction; an absent fraction is 0. fraction has no trailing zeros. */
    private static Automaton fractionPart(Cmp cmp, String fraction) {
        boolean absentOk = switch (cmp) {
            case GE -> fraction.isEmpty();
            case GT -> false;
            case LE -> true;
            case LT -> !fraction.isEmpty();
        };
        Automaton present = Operations.concatenate(Automata.makeChar('.'),
                Operations.intersection(digits(cmp, fraction), Operations.repeat(DIGIT, 1)));
        return absentOk ? Operations.union(Automata.makeEmptyString(), present) : present;
    }

    /** Digit strings D (maybe empty) with D cmp rest, both read as fractions padded with zeros. */
    private static Automaton digits(Cmp cmp, String rest) {
        if (rest.isEmpty()) {
            return switch (cmp) {
                case GE -> DIGITS;
                case GT -> Operations.concatenate(List.of(DIGITS, Automata.makeCharRange('1', '9'), DIGITS));
                case LE -> Operations.repeat(Automata.makeChar('0'));
                case LT -> Automata.makeEmpty();
            };
        }
        int d = rest.charAt(0);
        Automaton same = Operations.concatenate(Automata.makeChar(d), digits(cmp, rest.substring(1)));
        boolean up = cmp == Cmp.GE || cmp == Cmp.GT;
        Automaton other = up ? (d < '9' ? Operations.concatenate(Automata.makeCharRange(d + 1, '9'), DIGITS) : Automata.makeEmpty())
                : (d > '0' ? Operations.concatenate(Automata.makeCharRange('0', d - 1), DIGITS) : Automata.makeEmpty());
        // An empty D is 0, below any non-empty rest (it ends in a non-zero digit).
        Automaton empty = up ? Automata.makeEmpty() : Automata.makeEmptyString();
        return Operations.union(List.of(same, other, empty));
    }
}
