package io.lingspark.engine.structured;

import java.nio.charset.StandardCharsets;

/**
 * Where one sequence stands in its constraint. With reasoning on (the model starts inside
 * {@code <think>}), the constraint waits: the reasoning is free text, and the answer after
 * {@code </think>} (leading whitespace skipped, as the reasoning parser strips it) must satisfy the
 * constraint, like vLLM's reasoning-aware structured outputs. A sequence whose answer left the language
 * anyway (bytes after {@code </think>} in the same unconstrained token) can only end: its mask allows
 * the end-of-sequence ids alone, and the result reports the answer as incomplete.
 * Not thread-safe: owned by the scheduler thread like its sequence.
 */
public final class GrammarState {
    private static final String THINK_END = "</think>";

    private final TokenGrammar grammar;
    private boolean active;
    private boolean skipLeadingSpace;
    private final StringBuilder tail = new StringBuilder(); // recent reasoning text, to find </think>
    private int state;                                      // -1: left the language

    public GrammarState(TokenGrammar grammar, boolean startsInReasoning) {
        this.grammar = grammar;
        this.active = !startsInReasoning;
        this.skipLeadingSpace = startsInReasoning;
        this.state = grammar.start();
    }

    /** The allowed-token mask for the next token, or null while the constraint waits for the reasoning to end. */
    public long[] mask() {
        if (!active) {
            return null;
        }
        return state < 0 ? grammar.endOnly() : grammar.mask(state);
    }

    /** Records a generated (non-stop) token and the text it decoded to. */
    public void accept(int id, String decodedText) {
        if (!active) {
            tail.append(decodedText);
            int at = tail.indexOf(THINK_END);
            if (at < 0) {
                if (tail.length() > THINK_END.length()) {
                    tail.delete(0, tail.length() - THINK_END.length());
                }
                return;
            }
            active = true;
            feed(tail.substring(at + THINK_END.length()).getBytes(StandardCharsets.UTF_8));
            tail.setLength(0);
            return;
        }
        byte[] b = grammar.vocabulary().bytes(id);
        if (b == null) {
            state = -1; // an added token in the answer: the mask never allows one, so a model cannot get here
            return;
        }
        feed(b);
    }

    private void feed(byte[] b) {
        int from = 0;
        if (skipLeadingSpace) {
            while (from < b.length && (b[from] == ' ' || b[from] == '\n' || b[from] == '\t' || b[from] == '\r')) {
                from++;
            }
            if (from == b.length) {
                return;
            }
            skipLeadingSpace = false;
        }
        if (state >= 0) {
            state = grammar.step(state, b, from, b.length - from);
        }
    }

    /** True when the answer so far is complete under the constraint. */
    public boolean accepted() {
        return active && grammar.accepts(state);
    }

    /** Whether text, as a whole answer, satisfies the constraint (the final check of a result). */
    public boolean matches(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return grammar.accepts(grammar.step(grammar.start(), b, 0, b.length));
    }
}
