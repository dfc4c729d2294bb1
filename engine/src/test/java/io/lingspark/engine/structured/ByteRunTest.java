package io.lingspark.engine.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.ByteRunAutomaton;
import org.junit.jupiter.api.Test;

/** The compiled automaton driven over UTF-8 bytes, as token masks do: characters may split across tokens. */
class ByteRunTest {
    private static int stepAll(ByteRunAutomaton run, int state, byte[] bytes) {
        for (byte b : bytes) {
            state = run.step(state, b & 0xFF);
            if (state == -1) {
                return -1;
            }
        }
        return state;
    }

    @Test
    void multiByteCharactersSplitAcrossChunksStayLive() {
        Automaton a = GrammarCompiler.compile(StructuredOutput.jsonSchema(
                "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\"}},\"required\":[\"s\"]}"));
        ByteRunAutomaton run = new ByteRunAutomaton(a);
        String answer = "{\"s\":\"é日本🎉\"}";
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        int state = 0;
        for (int i = 0; i < bytes.length; i++) {
            state = run.step(state, bytes[i] & 0xFF);
            assertNotEquals(-1, state, "dead after byte " + i + " of " + answer);
            assertEquals(i == bytes.length - 1, run.isAccept(state), "accept only at the end, byte " + i);
        }
        // Every split into two chunks steps to the same state as the whole.
        int whole = stepAll(run, 0, bytes);
        for (int cut = 0; cut <= bytes.length; cut++) {
            byte[] head = java.util.Arrays.copyOfRange(bytes, 0, cut);
            byte[] tail = java.util.Arrays.copyOfRange(bytes, cut, bytes.length);
            assertEquals(whole, stepAll(run, stepAll(run, 0, head), tail));
        }
        assertTrue(run.run(bytes, 0, bytes.length));
    }

    @Test
    void partialCharacterInChoicesAndRegex() {
        ByteRunAutomaton choice = new ByteRunAutomaton(GrammarCompiler.compile(StructuredOutput.choice(List.of("🎉", "日本"))));
        byte[] party = "🎉".getBytes(StandardCharsets.UTF_8);
        int st = 0;
        for (int i = 0; i < 3; i++) {
            st = choice.step(st, party[i] & 0xFF);
            assertNotEquals(-1, st);
            assertFalse(choice.isAccept(st));
        }
        assertTrue(choice.isAccept(choice.step(st, party[3] & 0xFF)));
        // A different 4th byte (🎊 shares the first three) is dead.
        byte[] other = "🎊".getBytes(StandardCharsets.UTF_8);
        assertEquals(-1, choice.step(st, other[3] & 0xFF));
        ByteRunAutomaton re = new ByteRunAutomaton(GrammarCompiler.compile(StructuredOutput.regex("[é-ê]+x")));
        byte[] e = "éêx".getBytes(StandardCharsets.UTF_8);
        int s2 = re.step(0, e[0] & 0xFF);
        assertNotEquals(-1, s2);
        assertTrue(re.run(e, 0, e.length));
        assertFalse(re.run("ëx".getBytes(StandardCharsets.UTF_8), 0, 3));
    }
}
