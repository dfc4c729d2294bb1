package io.lingspark.engine.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ReasoningParserTest {
    @Test
    void noTagsMeansNoReasoning() {
        ReasoningSplit s = ReasoningParser.split("Paris is the capital.", false);
        assertNull(s.reasoningContent());
        assertEquals("Paris is the capital.", s.content());
    }

    @Test
    void thinkBlockIsSplitOut() {
        ReasoningSplit s = ReasoningParser.split("<think>\nFrance → Paris.\n</think>\n\nParis.", false);
        assertEquals("France → Paris.", s.reasoningContent());
        assertEquals("Paris.", s.content());
    }

    @Test
    void unterminatedThinkIsAllReasoning() {
        ReasoningSplit s = ReasoningParser.split("Hi <think>still going", false);
        assertEquals("still going", s.reasoningContent());
        assertEquals("Hi", s.content());
    }

    @Test
    void startsInReasoningUsesFirstClose() {
        ReasoningSplit s = ReasoningParser.split("step 1\nstep 2\n</think>\n\nAnswer </think> x", true);
        assertEquals("step 1\nstep 2", s.reasoningContent());
        assertEquals("Answer </think> x", s.content());
        ReasoningSplit lead = ReasoningParser.split("<think>\nr\n</think>a", true);
        assertEquals("r", lead.reasoningContent());
        assertEquals("a", lead.content());
    }

    @Test
    void startsInReasoningWithoutCloseIsAllReasoning() {
        ReasoningSplit s = ReasoningParser.split("thinking until the end", true);
        assertEquals("thinking until the end", s.reasoningContent());
        assertEquals("", s.content());
    }
}
