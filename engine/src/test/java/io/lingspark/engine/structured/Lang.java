package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.CharacterRunAutomaton;
import org.apache.lucene.util.automaton.Operations;

/** Test helper: a compiled constraint and assertions on what it accepts. */
final class Lang {
    final Automaton automaton;
    final CharacterRunAutomaton run;

    Lang(Automaton automaton) {
        assertTrue(automaton.isDeterministic(), "deterministic");
        assertFalse(Operations.hasDeadStates(automaton), "no dead states");
        this.automaton = automaton;
        this.run = new CharacterRunAutomaton(automaton, Integer.MAX_VALUE);
    }

    static Lang of(StructuredOutput spec) {
        return new Lang(GrammarCompiler.compile(spec));
    }

    static Lang schema(String json) {
        return of(StructuredOutput.jsonSchema(json));
    }

    static Lang regex(String regex) {
        return of(StructuredOutput.regex(regex));
    }

    /** State after s, -1 when s is not a prefix of any answer. */
    int state(String s) {
        int st = 0;
        for (int i = 0; i < s.length() && st != -1; ) {
            int c = s.codePointAt(i);
            st = run.step(st, c);
            i += Character.charCount(c);
        }
        return st;
    }

    boolean accepts(String s) {
        int st = state(s);
        return st != -1 && run.isAccept(st);
    }

    Lang ok(String... good) {
        for (String s : good) {
            assertTrue(accepts(s), "should accept: " + s);
        }
        return this;
    }

    Lang bad(String... bad) {
        for (String s : bad) {
            assertFalse(accepts(s), "should reject: " + s);
        }
        return this;
    }

    /** Incomplete answers: rejected, yet still completable (a live state). */
    Lang prefix(String... prefixes) {
        for (String s : prefixes) {
            assertFalse(accepts(s), "incomplete, should not be accepted: " + s);
            assertTrue(state(s) != -1, "should be a live prefix: " + s);
        }
        return this;
    }

    /** Asserts compile fails with a ConstraintException (the engine's INVALID_PARAMS) whose message contains every fragment. */
    static ConstraintException invalid(StructuredOutput spec, String... fragments) {
        ConstraintException e = assertThrows(ConstraintException.class, () -> GrammarCompiler.compile(spec));
        assertNotNull(e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
        return e;
    }

    static ConstraintException invalidSchema(String json, String... fragments) {
        return invalid(StructuredOutput.jsonSchema(json), fragments);
    }

    static ConstraintException invalidRegex(String regex, String... fragments) {
        return invalid(StructuredOutput.regex(regex), fragments);
    }
}
