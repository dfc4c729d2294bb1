package io.lingspark.engine.output;

/**
 * Splits {@code <think>…</think>} reasoning from the answer (ling-architecture.md §4). Follows SGLang's
 * deepseek-r1 detector for models that start generating inside the reasoning block (Ring: the
 * generation prompt ends with {@code <think>\n}): everything before the first {@code </think>} is
 * reasoning, an optional leading {@code <think>} is dropped, and with no {@code </think>} at all the whole
 * output is reasoning (the model ran out of tokens while thinking). Reasoning and content are stripped
 * of surrounding whitespace like SGLang does; text without tags is returned untouched. Stateless.
 */
public final class ReasoningParser {
    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";

    private ReasoningParser() {
    }

    public static ReasoningSplit split(String text, boolean startsInReasoning) {
        if (text == null) {
            return new ReasoningSplit(null, "");
        }
        if (startsInReasoning) {
            String t = text;
            String lead = t.stripLeading();
            if (lead.startsWith(OPEN)) {
                t = lead.substring(OPEN.length());
            }
            int close = t.indexOf(CLOSE);
            if (close < 0) {
                return new ReasoningSplit(t.strip(), "");
            }
            return new ReasoningSplit(t.substring(0, close).strip(), t.substring(close + CLOSE.length()).strip());
        }
        int open = text.indexOf(OPEN);
        if (open < 0) {
            // A stray </think> without an opening tag is left as text: the model was not asked to think.
            return new ReasoningSplit(null, text);
        }
        String before = text.substring(0, open);
        String rest = text.substring(open + OPEN.length());
        int close = rest.indexOf(CLOSE);
        if (close < 0) {
            return new ReasoningSplit(rest.strip(), before.strip());
        }
        String after = rest.substring(close + CLOSE.length());
        return new ReasoningSplit(rest.substring(0, close).strip(), (before + after).strip());
    }
}
