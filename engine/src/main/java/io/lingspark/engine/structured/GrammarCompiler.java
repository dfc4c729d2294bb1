package io.lingspark.engine.structured;

import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.MinimizationOperations;
import org.apache.lucene.util.automaton.Operations;
import org.apache.lucene.util.automaton.TooComplexToDeterminizeException;

/**
 * Compiles a {@link StructuredOutput} constraint into the language of allowed answers: a deterministic,
 * minimal Lucene automaton over Unicode code points (surrogates excluded) with no dead states, so every
 * state reached by a prefix of the answer can still be completed (the token masks rely on that). Run it
 * over UTF-8 bytes with {@code new ByteRunAutomaton(automaton)}, which converts it with UTF32ToUTF8.
 * The returned automaton may be shared between calls (JSON_OBJECT is built once): never modify it.
 *
 * <p>CHOICE is the union of the exact strings; REGEX is the full match of an ECMAScript/Python-style
 * regex ({@link RegexTranslator}); JSON_OBJECT is any JSON object nesting at most {@link #MAX_ANY_DEPTH}
 * levels; JSON_SCHEMA is a subset of the schema's JSON texts ({@link JsonSchemaCompiler}). JSON answers
 * have no whitespace around the document and at most {@link #MAX_WS} of [ \t\n] between two tokens.
 */
public final class GrammarCompiler {
    /** Whitespace characters allowed in one gap between two JSON tokens. */
    public static final int MAX_WS = 16;
    /** Expansions of one $ref along a path; deeper, the reference admits nothing. */
    public static final int MAX_REF_DEPTH = 4;
    /**
     * Container nesting of unconstrained JSON: a JSON_OBJECT answer has at most this many levels of
     * objects/arrays, itself included; a value generated for an unconstrained subschema ({}, true, a
     * free object member, an item of an items-free array) has at most MAX_ANY_DEPTH - 1.
     */
    public static final int MAX_ANY_DEPTH = 5;
    /** Largest repetition count (regex {n,m}, maxLength, maxItems) expanded into states. */
    static final int MAX_REPEAT = 10_000;
    /** Lucene determinization effort before a constraint is declared too complex. */
    static final int WORK_LIMIT = 200_000;
    /** Refinement work (rounds x transitions) before {@link Minimizer} hands over to Lucene's Hopcroft. */
    static final long MINIMIZE_BUDGET = 50_000_000L;
    /** States any intermediate minimal automaton may have. */
    static final int MAX_STATES = 1_000_000;

    private GrammarCompiler() {
    }

    /**
     * The answer language of spec as a deterministic, minimal Lucene automaton over Unicode code points.
     *
     * @throws ConstraintException for any bad or unsupported input, naming the keyword or
     *                       construct and where it is
     */
    public static Automaton compile(StructuredOutput spec) {
        if (spec == null || spec.kind() == null) {
            throw invalid("structured output: no constraint given");
        }
        spec.validate();
        Automaton a = switch (spec.kind()) {
            case CHOICE -> choices(spec.choices());
            case REGEX -> RegexTranslator.translate(spec.regex(), RegexTranslator.Mode.FULL, "regex");
            case JSON_OBJECT -> JsonGrammar.anyObject();
            case JSON_SCHEMA -> JsonSchemaCompiler.compile(spec.jsonSchema());
        };
        // Every branch above already returns a minimal automaton without dead states.
        Automaton result = a;
        if (Operations.isEmpty(result)) {
            throw invalid(spec.kind().name().toLowerCase() + ": the constraint admits no answer at all");
        }
        return result;
    }

    private static Automaton choices(List<String> choices) {
        List<Automaton> alts = new ArrayList<>();
        for (String c : choices) {
            alts.add(Automata.makeString(c));
        }
        return minimize(Operations.union(alts), "choice");
    }

    /** Determinize + minimize within the work limit, without dead states. */
    static Automaton minimize(Automaton a, String what) {
        Automaton m;
        try {
            Automaton d = Operations.removeDeadStates(Operations.determinize(a, WORK_LIMIT));
            m = Minimizer.minimize(d, MINIMIZE_BUDGET);
            if (m == null) {
                m = Operations.removeDeadStates(MinimizationOperations.minimize(d, WORK_LIMIT));
            }
        } catch (TooComplexToDeterminizeException e) {
            throw invalid("constraint too complex to compile (" + what + "): determinization exceeds "
                    + WORK_LIMIT + " work units");
        }
        if (m.getNumStates() > MAX_STATES) {
            throw invalid("constraint too complex to compile (" + what + "): " + m.getNumStates() + " states");
        }
        return m;
    }

    static ConstraintException invalid(String message) {
        return new ConstraintException(message);
    }
}
