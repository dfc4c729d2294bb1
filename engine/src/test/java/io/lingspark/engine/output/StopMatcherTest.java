package io.lingspark.engine.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {
    private static String feed(StopMatcher m, String... deltas) {
        StringBuilder out = new StringBuilder();
        for (String d : deltas) {
            out.append(m.add(d));
            if (m.stopped()) {
                return out.toString();
            }
        }
        return out.append(m.flush()).toString();
    }

    @Test
    void stopSplitAcrossDeltasIsCut() {
        StopMatcher m = new StopMatcher(List.of("\nUser:"));
        assertEquals("Hello", feed(m, "Hel", "lo\n", "Us", "er:", " more"));
        assertTrue(m.stopped());
        assertEquals("\nUser:", m.matched());
    }

    @Test
    void holdsBackOnlyAPossiblePrefix() {
        StopMatcher m = new StopMatcher(List.of("END"));
        assertEquals("abc", m.add("abcE"));
        assertEquals("", m.add("N"));
        assertEquals("ENx", m.add("x"), "a broken prefix is released");
        assertEquals("yz", m.add("yz"));
        assertEquals("", m.flush());
        assertFalse(m.stopped());
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopMatcher m = new StopMatcher(List.of("world", "lo w"));
        assertEquals("hel", feed(m, "hello world"));
        assertEquals("lo w", m.matched());
    }

    @Test
    void flushReleasesUnfinishedPrefix() {
        StopMatcher m = new StopMatcher(List.of("</s>"));
        assertEquals("a</", feed(m, "a<", "/"));
        assertFalse(m.stopped());
    }

    @Test
    void noStopsPassThrough() {
        StopMatcher m = new StopMatcher(List.of());
        assertEquals("x", m.add("x"));
        assertEquals("", m.flush());
    }

    @Test
    void stopAtStartGivesEmptyText() {
        StopMatcher m = new StopMatcher(List.of("ab"));
        assertEquals("", feed(m, "a", "bcd"));
        assertTrue(m.stopped());
        assertEquals("", m.add("more"));
    }
}
