package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.MinimizationOperations;
import org.apache.lucene.util.automaton.Operations;
import org.junit.jupiter.api.Test;

/** The range-based minimizer agrees with Lucene's Hopcroft: same language, same number of states. */
class MinimizerTest {
    private static Automaton nfa(String regex) {
        // Built without our minimizer: a raw union of the translated pieces.
        return Operations.union(List.of(RegexTranslator.translate(regex, RegexTranslator.Mode.FULL, "t"),
                RegexTranslator.translate(regex + "x?", RegexTranslator.Mode.FULL, "t")));
    }

    @Test
    void agreesWithLucene() {
        for (String regex : List.of("a", "(ab|ac)*d", "[a-z]{2,5}(é|日本)?", "(0|[1-9][0-9]*)(\\.[0-9]+)?",
                "[^\"\\\\]*", "(a|b)*a(a|b){3}", "\\d{1,3}(,\\d{3})*", "(x{0,16}y){1,3}", "[\\s\\S]*abc[\\s\\S]*")) {
            Automaton input = Operations.removeDeadStates(Operations.determinize(nfa(regex), 100_000));
            Automaton ours = Minimizer.minimize(input, Long.MAX_VALUE);
            Automaton lucene = Operations.removeDeadStates(MinimizationOperations.minimize(input, 100_000));
            assertNotNull(ours);
            assertTrue(ours.isDeterministic());
            assertTrue(Operations.sameLanguage(ours, lucene), regex);
            assertEquals(lucene.getNumStates(), ours.getNumStates(), regex);
        }
        Automaton schema = GrammarCompiler.compile(StructuredOutput.jsonSchema("{\"type\":\"object\",\"properties\":{"
                + "\"d\":{\"type\":\"string\",\"format\":\"date\"},\"n\":{\"type\":\"integer\",\"maximum\":-7},"
                + "\"e\":{\"enum\":[\"x\",\"y\"]},\"t\":{\"type\":\"array\",\"items\":{\"type\":\"boolean\"},\"maxItems\":3}},\"required\":[\"e\"]}"));
        Automaton lucene = Operations.removeDeadStates(MinimizationOperations.minimize(schema, 1_000_000));
        assertEquals(lucene.getNumStates(), schema.getNumStates());
        assertTrue(Operations.sameLanguage(schema, lucene));
    }

    @Test
    void givesUpWhenTheBudgetRunsOut() {
        Automaton input = Operations.removeDeadStates(Operations.determinize(nfa("a{0,200}b"), 100_000));
        assertNull(Minimizer.minimize(input, 10));
    }
}
