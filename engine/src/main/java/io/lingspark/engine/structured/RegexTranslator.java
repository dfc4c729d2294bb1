package io.lingspark.engine.structured;

import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * Parses the common subset of ECMAScript / Python regex syntax straight into a Lucene {@link Automaton}
 * (built with {@link Automata} and {@link Operations}, never via a Lucene RegExp string), so no Lucene
 * metacharacter ({@code ~ & < > @ # "}) can change meaning by accident.
 *
 * <p>Where the dialects (and the JDK regex engine that JSON Schema validators such as networknt use)
 * disagree, the narrower reading is taken so that every accepted string matches under all of them:
 * {@code .} excludes \n \r U+0085 U+2028 U+2029; {@code \s} is ASCII whitespace while {@code \S} excludes
 * every ECMAScript whitespace character. Constructs a finite automaton cannot express exactly (lookaround,
 * backreferences, word boundaries, inline flags, Unicode properties, anchors in the middle) are rejected.
 */
final class RegexTranslator {
    /** FULL: the whole text matches (vLLM guided_regex). SEARCH: JSON Schema {@code pattern}, unanchored. */
    enum Mode { FULL, SEARCH }

    static final CodePointSet DIGIT = CodePointSet.ranges('0', '9');
    static final CodePointSet WORD = CodePointSet.ranges('0', '9', 'A', 'Z', 'a', 'z', '_', '_');
    static final CodePointSet SPACE_ASCII = CodePointSet.of(' ', '\t', '\n', 0x0B, '\f', '\r');
    static final CodePointSet SPACE_ECMA = SPACE_ASCII.union(CodePointSet.of(0xA0, 0x1680, 0x2028, 0x2029,
            0x202F, 0x205F, 0x3000, 0xFEFF)).union(CodePointSet.ranges(0x2000, 0x200A));
    static final CodePointSet DOT = CodePointSet.ALL.minus(CodePointSet.of('\n', '\r', 0x85, 0x2028, 0x2029));

    /** Group nesting bound: the parser is recursive descent. */
    private static final int MAX_NESTING = 200;

    private final String src;
    private final int[] cps;
    private final String where;
    private int pos;
    private int depth;

    private RegexTranslator(String regex, String where) {
        this.src = regex;
        this.cps = regex.codePoints().toArray();
        this.where = where;
    }

    /** @param where names the regex in error messages, e.g. "regex" or "pattern at /properties/id" */
    static Automaton translate(String regex, Mode mode, String where) {
        RegexTranslator t = new RegexTranslator(regex, where);
        Automaton a = t.parseTop(mode);
        return GrammarCompiler.minimize(a, where);
    }

    private Automaton parseTop(Mode mode) {
        List<Automaton> branches = new ArrayList<>();
        while (true) {
            boolean startAnchor = eat('^');
            Automaton body = parseConcat(true);
            boolean endAnchor = eat('$');
            if (pos < cps.length && cps[pos] != '|') {
                throw error(peek() == ')' ? "unbalanced ')'" : "anchor '$' in the middle");
            }
            if (mode == Mode.SEARCH) {
                List<Automaton> parts = new ArrayList<>();
                if (!startAnchor) {
                    parts.add(Automata.makeAnyString());
                }
                parts.add(body);
                if (!endAnchor) {
                    parts.add(Automata.makeAnyString());
                }
                body = Operations.concatenate(parts);
            }
            branches.add(body);
            if (!eat('|')) {
                break;
            }
        }
        return union(branches);
    }

    private Automaton parseAlternation() {
        List<Automaton> branches = new ArrayList<>();
        branches.add(parseConcat(false));
        while (eat('|')) {
            branches.add(parseConcat(false));
        }
        return union(branches);
    }

    private Automaton parseConcat(boolean topLevel) {
        List<Automaton> parts = new ArrayList<>();
        while (pos < cps.length) {
            int c = peek();
            if (c == '|' || c == ')') {
                break;
            }
            if (c == '$') {
                if (topLevel && (pos + 1 == cps.length || cps[pos + 1] == '|')) {
                    break;
                }
                throw error("anchor '$' in the middle");
            }
            if (c == '^') {
                throw error("anchor '^' in the middle");
            }
            parts.add(parseQuantified());
        }
        return parts.isEmpty() ? Automata.makeEmptyString() : Operations.concatenate(parts);
    }

    private Automaton parseQuantified() {
        Automaton a = parseAtom();
        while (pos < cps.length) {
            int c = peek();
            int min;
            int max; // -1: unbounded
            if (c == '*') {
                pos++;
                min = 0;
                max = -1;
            } else if (c == '+') {
                pos++;
                min = 1;
                max = -1;
            } else if (c == '?') {
                pos++;
                min = 0;
                max = 1;
            } else if (c == '{' && braceQuantifierAhead()) {
                pos++;
                min = readInt();
                max = min;
                if (eat(',')) {
                    max = peek() == '}' ? -1 : readInt();
                }
                expect('}');
                if (max != -1 && max < min) {
                    throw error("quantifier {" + min + "," + max + "} out of order");
                }
            } else {
                break;
            }
            // Lazy (x*?) and possessive (x*+) forms only change which match is found, not the language.
            if (pos < cps.length && (peek() == '?' || peek() == '+')) {
                pos++;
            }
            a = repeat(a, min, max);
        }
        return a;
    }

    private Automaton repeat(Automaton a, int min, int max) {
        if (max > GrammarCompiler.MAX_REPEAT || min > GrammarCompiler.MAX_REPEAT) {
            throw error("repetition count above " + GrammarCompiler.MAX_REPEAT);
        }
        Automaton m = GrammarCompiler.minimize(a, where);
        if (max == -1) {
            return Operations.repeat(m, min);
        }
        return Operations.repeat(m, min, max);
    }

    private boolean braceQuantifierAhead() {
        int p = pos + 1;
        int digits = 0;
        while (p < cps.length && cps[p] >= '0' && cps[p] <= '9') {
            p++;
            digits++;
        }
        if (digits == 0) {
            return false;
        }
        if (p < cps.length && cps[p] == ',') {
            p++;
            while (p < cps.length && cps[p] >= '0' && cps[p] <= '9') {
                p++;
            }
        }
        return p < cps.length && cps[p] == '}';
    }

    private Automaton parseAtom() {
        int c = cps[pos++];
        switch (c) {
            case '(':
                return parseGroup();
            case '[':
                return parseClass().toAutomaton();
            case '.':
                return DOT.toAutomaton();
            case '\\':
                return parseEscape(false).toAutomaton();
            case '*':
            case '+':
            case '?':
                throw error("nothing to repeat before '" + (char) c + "'");
            default:
                return Automata.makeChar(c);
        }
    }

    private Automaton parseGroup() {
        if (++depth > MAX_NESTING) {
            throw error("groups nested deeper than " + MAX_NESTING);
        }
        if (eat('?')) {
            if (eat(':')) {
                // non-capturing group
            } else if (lookingAt("=") || lookingAt("!") || lookingAt("<=") || lookingAt("<!")) {
                throw error("lookaround '(?" + (lookingAt("<") ? src.substring(offset(pos), offset(pos) + 2)
                        : src.substring(offset(pos), offset(pos) + 1)) + "' is not supported");
            } else if (lookingAt("P=")) {
                throw error("backreference '(?P=' is not supported");
            } else if (lookingAt("P<") || lookingAt("<")) {
                pos += lookingAt("P<") ? 2 : 1;
                while (pos < cps.length && cps[pos] != '>') {
                    pos++;
                }
                expect('>');
            } else {
                throw error("inline flags or group extension '(?" + (pos < cps.length ? Character.toString(peek())
                        : "") + "' are not supported");
            }
        }
        Automaton a = parseAlternation();
        if (pos < cps.length && (peek() == '^' || peek() == '$')) {
            throw error("anchor '" + (char) peek() + "' in the middle");
        }
        expect(')');
        depth--;
        return a;
    }

    private CodePointSet parseClass() {
        boolean negate = eat('^');
        CodePointSet set = CodePointSet.EMPTY;
        boolean first = true;
        while (true) {
            if (pos >= cps.length) {
                throw error("unterminated character class '['");
            }
            int c = cps[pos];
            if (c == ']' && !first) {
                pos++;
                break;
            }
            first = false;
            pos++;
            CodePointSet item;
            int lo = -1;
            if (c == '\\') {
                item = parseEscape(true);
                lo = singleton(item);
            } else {
                lo = c;
                item = CodePointSet.of(c);
            }
            if (lo >= 0 && pos + 1 < cps.length && cps[pos] == '-' && cps[pos + 1] != ']') {
                pos++;
                int d = cps[pos++];
                int hi = d == '\\' ? singleton(parseEscape(true)) : d;
                if (hi < 0) {
                    throw error("character class range ending in a class escape");
                }
                if (hi < lo) {
                    throw error("character class range out of order");
                }
                item = CodePointSet.ranges(lo, hi).intersect(CodePointSet.ALL);
            }
            set = set.union(item);
        }
        return negate ? set.complement() : set.intersect(CodePointSet.ALL);
    }

    private static int singleton(CodePointSet s) {
        Automaton a = s.toAutomaton();
        return a.getNumTransitions(0) == 1 && a.getNumTransitions() == 1 ? single(a) : -1;
    }

    private static int single(Automaton a) {
        var t = new org.apache.lucene.util.automaton.Transition();
        a.getTransition(0, 0, t);
        return t.min == t.max ? t.min : -1;
    }

    /** After the backslash. In a class, \b is backspace (ECMAScript); outside it is a word boundary. */
    private CodePointSet parseEscape(boolean inClass) {
        if (pos >= cps.length) {
            throw error("trailing backslash");
        }
        int c = cps[pos++];
        switch (c) {
            case 'd': return DIGIT;
            case 'D': return DIGIT.complement();
            case 'w': return WORD;
            case 'W': return WORD.complement();
            case 's': return SPACE_ASCII;
            case 'S': return SPACE_ECMA.complement();
            case 'n': return CodePointSet.of('\n');
            case 't': return CodePointSet.of('\t');
            case 'r': return CodePointSet.of('\r');
            case 'f': return CodePointSet.of('\f');
            case 'v': return CodePointSet.of(0x0B);
            case 'a': return CodePointSet.of(0x07);
            case '0':
                if (pos < cps.length && cps[pos] >= '0' && cps[pos] <= '9') {
                    throw error("octal escape '\\0" + (char) cps[pos] + "' is not supported");
                }
                return CodePointSet.of(0);
            case 'x': return CodePointSet.of(hex(2));
            case 'u':
                if (eat('{')) {
                    int start = pos;
                    while (pos < cps.length && cps[pos] != '}') {
                        pos++;
                    }
                    int v = parseHex(start, pos);
                    expect('}');
                    return checkScalar(v);
                }
                return checkScalar(hex(4));
            case 'U': return checkScalar(hex(8));
            case 'c':
                if (pos < cps.length && Character.isLetter(cps[pos]) && cps[pos] < 128) {
                    return CodePointSet.of(cps[pos++] % 32);
                }
                throw error("control escape '\\c' needs a letter");
            case 'b':
                if (inClass) {
                    return CodePointSet.of(0x08);
                }
                throw error("word boundary '\\b' is not supported");
            case 'B': throw error("word boundary '\\B' is not supported");
            case 'k': throw error("backreference '\\k' is not supported");
            case 'p':
            case 'P': throw error("Unicode property escape '\\" + (char) c + "' is not supported");
            case 'A':
            case 'Z':
            case 'z':
            case 'G': throw error("anchor '\\" + (char) c + "' is not supported");
            default:
                if (c >= '1' && c <= '9') {
                    throw error("backreference '\\" + (char) c + "' is not supported");
                }
                if (Character.isLetterOrDigit(c)) {
                    throw error("unknown escape '\\" + Character.toString(c) + "'");
                }
                return CodePointSet.of(c);
        }
    }

    private CodePointSet checkScalar(int v) {
        if (v >= 0xD800 && v <= 0xDFFF) {
            throw error("surrogate escape U+" + Integer.toHexString(v).toUpperCase() + " is not supported");
        }
        if (v > CodePointSet.MAX) {
            throw error("escape beyond U+10FFFF");
        }
        return CodePointSet.of(v);
    }

    private int hex(int n) {
        if (pos + n > cps.length) {
            throw error("truncated hex escape");
        }
        int v = parseHex(pos, pos + n);
        pos += n;
        return v;
    }

    private int parseHex(int from, int to) {
        if (from == to || to - from > 8) {
            throw error("bad hex escape");
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(cps[i], 16);
            if (d < 0) {
                throw error("bad hex escape");
            }
            v = v * 16 + d;
        }
        return v > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) v;
    }

    private int readInt() {
        long v = 0;
        int start = pos;
        while (pos < cps.length && cps[pos] >= '0' && cps[pos] <= '9') {
            v = Math.min(v * 10 + (cps[pos++] - '0'), Integer.MAX_VALUE);
        }
        if (pos == start) {
            throw error("number expected");
        }
        return (int) v;
    }

    private static Automaton union(List<Automaton> as) {
        return as.size() == 1 ? as.get(0) : Operations.union(as);
    }

    private int peek() {
        return cps[pos];
    }

    private boolean eat(int c) {
        if (pos < cps.length && cps[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean lookingAt(String s) {
        int[] want = s.codePoints().toArray();
        if (pos + want.length > cps.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (cps[pos + i] != want[i]) {
                return false;
            }
        }
        return true;
    }

    private void expect(int c) {
        if (!eat(c)) {
            throw error(pos >= cps.length ? "missing '" + (char) c + "'" : "expected '" + (char) c + "'");
        }
    }

    private int offset(int cpIndex) {
        return src.offsetByCodePoints(0, Math.min(cpIndex, cps.length));
    }

    private RuntimeException error(String what) {
        return GrammarCompiler.invalid(where + ": " + what + " (at offset " + offset(pos) + " in /"
                + src + "/)");
    }
}
