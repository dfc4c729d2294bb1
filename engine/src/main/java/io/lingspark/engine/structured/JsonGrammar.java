package io.lingspark.engine.structured;

import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * The JSON pieces shared by the schema compiler and JSON_OBJECT: tokens, bounded whitespace, strings,
 * numbers, and any-value / object / array builders.
 *
 * <p>Whitespace: each gap between two tokens holds at most {@link GrammarCompiler#MAX_WS} characters of
 * [ \t\n], so the constrained model cannot pad forever; there is none before or after the document.
 */
final class JsonGrammar {
    /** Characters a string may contain unescaped: no quote, backslash or control character. */
    static final CodePointSet SAFE = CodePointSet.ALL.minus(CodePointSet.of('"', '\\')).minus(
            CodePointSet.ranges(0, 0x1F));

    private static final Automaton WS = Operations.repeat(
            CodePointSet.of(' ', '\t', '\n').toAutomaton(), 0, GrammarCompiler.MAX_WS);
    private static final Automaton CHAR = jsonChar();
    private static final Automaton ANY_STRING = quoted(Operations.repeat(CHAR));
    private static final Automaton NUMBER = GrammarCompiler.minimize(RegexTranslator.translate(
            "-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?", RegexTranslator.Mode.FULL, "number"), "number");
    private static final Automaton BOOLEAN = Operations.union(Automata.makeString("true"),
            Automata.makeString("false"));
    private static final Automaton NULL = Automata.makeString("null");
    private static final Automaton SCALAR = GrammarCompiler.minimize(Operations.union(
            List.of(ANY_STRING, NUMBER, BOOLEAN, NULL)), "scalar");
    /**
     * Any JSON value with at most d levels of nested objects/arrays. Each depth is built once per JVM and
     * only when first needed: with bounded whitespace in every gap the depth-5 automaton has thousands of
     * states and takes a noticeable fraction of a second to minimize, which typical schemas never need.
     */
    private static final class Any {
        static final Automaton[] VALUE = new Automaton[GrammarCompiler.MAX_ANY_DEPTH + 1];

        static synchronized Automaton get(int depth) {
            if (VALUE[depth] == null) {
                Automaton inner = depth == 0 ? null : get(depth - 1);
                VALUE[depth] = depth == 0 ? SCALAR : GrammarCompiler.minimize(Operations.union(List.of(SCALAR,
                        map(inner), array(inner, 0, -1))), "any JSON value");
            }
            return VALUE[depth];
        }
    }

    private JsonGrammar() {
    }

    /** One string character, unescaped or as an escape; \\u escapes of surrogates are left out so that
     *  every escape is exactly one code point (minLength/maxLength stay exact). */
    private static Automaton jsonChar() {
        Automaton hex = CodePointSet.ranges('0', '9', 'a', 'f', 'A', 'F').toAutomaton();
        Automaton nonSurrogate = Operations.union(
                Operations.concatenate(List.of(CodePointSet.ranges('0', '9', 'a', 'c', 'A', 'C', 'e', 'f', 'E', 'F')
                        .toAutomaton(), hex, hex, hex)),
                Operations.concatenate(List.of(CodePointSet.of('d', 'D').toAutomaton(),
                        CodePointSet.ranges('0', '7').toAutomaton(), hex, hex)));
        Automaton escape = Operations.concatenate(Automata.makeChar('\\'), Operations.union(
                CodePointSet.of('"', '\\', '/', 'b', 'f', 'n', 'r', 't').toAutomaton(),
                Operations.concatenate(Automata.makeChar('u'), nonSurrogate)));
        return GrammarCompiler.minimize(Operations.union(SAFE.toAutomaton(), escape), "string character");
    }

    static Automaton ws() {
        return WS;
    }

    static Automaton lit(String s) {
        return Automata.makeString(s);
    }

    static Automaton quoted(Automaton content) {
        return Operations.concatenate(List.of(lit("\""), content, lit("\"")));
    }

    /** Any JSON string whose content has between min and max characters (max -1: unbounded). */
    static Automaton string(int min, int max) {
        if (min == 0 && max == -1) {
            return ANY_STRING;
        }
        return quoted(max == -1 ? Operations.repeat(CHAR, min) : Operations.repeat(CHAR, min, max));
    }

    static Automaton number() {
        return NUMBER;
    }

    static Automaton bool() {
        return BOOLEAN;
    }

    static Automaton nul() {
        return NULL;
    }

    static Automaton anyValue(int depth) {
        return Any.get(Math.max(0, Math.min(depth, GrammarCompiler.MAX_ANY_DEPTH)));
    }

    /** JSON_OBJECT: any object nesting at most MAX_ANY_DEPTH containers deep (built once). */
    static Automaton anyObject() {
        return AnyObject.VALUE;
    }

    private static final class AnyObject {
        static final Automaton VALUE = GrammarCompiler.minimize(
                map(anyValue(GrammarCompiler.MAX_ANY_DEPTH - 1)), "json_object");
    }

    /** Any object whose member values are in value (keys free, each key may repeat). */
    static Automaton map(Automaton value) {
        return list("{", seq(ANY_STRING, WS, lit(":"), WS, value), "}");
    }

    /** Arrays of item with between min and max elements (max -1: unbounded). */
    static Automaton array(Automaton item, int min, int max) {
        Automaton close = lit("]");
        if (max == 0) {
            return seq(lit("["), WS, close);
        }
        if (max == -1 && min == 0) {
            return list("[", item, "]");
        }
        Automaton more = seq(WS, lit(","), WS, item);
        int restMin = Math.max(min, 1) - 1;
        Automaton rest = max == -1 ? Operations.repeat(more, restMin) : Operations.repeat(more, restMin, max - 1);
        Automaton nonEmpty = seq(item, rest, WS, close);
        return seq(lit("["), WS, min == 0 ? Operations.union(close, nonEmpty) : nonEmpty);
    }

    /**
     * open ws (close | element (ws "," ws element)* ws close), with the element placed once in an
     * epsilon-NFA and looped back to, rather than copied twice by Operations.concatenate/repeat: the
     * any-value automata nest this five levels deep.
     */
    private static Automaton list(String open, Automaton element, String close) {
        Nfa nfa = new Nfa();
        Nfa.Piece start = nfa.place(seq(lit(open), WS));
        Nfa.Piece empty = nfa.place(lit(close));
        Nfa.Piece elem = nfa.place(element);
        Nfa.Piece sep = nfa.place(seq(WS, lit(","), WS));
        Nfa.Piece end = nfa.place(seq(WS, lit(close)));
        nfa.epsilon(start.exit(), empty.entry());
        nfa.epsilon(start.exit(), elem.entry());
        nfa.epsilon(elem.exit(), sep.entry());
        nfa.epsilon(sep.exit(), elem.entry());
        nfa.epsilon(elem.exit(), end.entry());
        nfa.accept(empty.exit());
        nfa.accept(end.exit());
        return nfa.finish(start.entry());
    }

    /** A declared property: its key already JSON-encoded with quotes. */
    record Property(String keyJson, Automaton value, boolean required) {
    }

    /**
     * Objects with the given properties in the given order, optional ones possibly left out. The first
     * emitted property has no leading comma and every later one has one: the members are P_k for some
     * first k (no required property before it), then for each later j in order "ws , ws P_j", skippable
     * when j is optional. Each P_j is placed at most twice in one epsilon-NFA (as first member and as a
     * later one) and the states between them are shared, so the size is linear in the properties, never
     * one alternative per subset.
     */
    static Automaton object(List<Property> props) {
        int n = props.size();
        if (n == 0) {
            return GrammarCompiler.minimize(seq(lit("{"), WS, lit("}")), "object");
        }
        Nfa nfa = new Nfa();
        Nfa.Piece open = nfa.place(seq(lit("{"), WS));
        Nfa.Piece close = nfa.place(seq(WS, lit("}")));
        nfa.accept(close.exit());
        // after[j]: properties 0..j-1 are done (the last one emitted, or skipped).
        int[] after = new int[n + 1];
        for (int j = 0; j <= n; j++) {
            after[j] = nfa.state();
        }
        nfa.epsilon(after[n], close.entry());
        boolean allOptional = true;
        for (int k = 0; k < n; k++) {
            Property p = props.get(k);
            Automaton member = seq(lit(p.keyJson()), WS, lit(":"), WS, p.value());
            if (allOptional) {
                Nfa.Piece first = nfa.place(member);
                nfa.epsilon(open.exit(), first.entry());
                nfa.epsilon(first.exit(), after[k + 1]);
            }
            Nfa.Piece later = nfa.place(seq(WS, lit(","), WS, member));
            nfa.epsilon(after[k], later.entry());
            nfa.epsilon(later.exit(), after[k + 1]);
            if (p.required()) {
                allOptional = false;
            } else {
                nfa.epsilon(after[k], after[k + 1]);
            }
        }
        if (allOptional) {
            Nfa.Piece empty = nfa.place(lit("}"));
            nfa.epsilon(open.exit(), empty.entry());
            nfa.accept(empty.exit());
        }
        return GrammarCompiler.minimize(nfa.finish(open.entry()), "object");
    }

    static Automaton seq(Automaton... parts) {
        return Operations.concatenate(List.of(parts));
    }
}
