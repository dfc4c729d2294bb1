package io.lingspark.engine.output;

import java.util.List;

/**
 * Stop strings over a stream of decoded text (OpenAI/vLLM {@code stop}). Tokens do not respect stop
 * string boundaries ("\n\nUser" may arrive as "\n", "\nUs", "er"), so matching runs on the text, not on
 * ids. Text is released as soon as it can no longer be the start of a stop string; only a tail that is
 * a proper prefix of some stop string is held back. On a match, the text before the stop string is
 * released and the stop string itself (and everything after it) is dropped.
 *
 * <p>One instance per sequence; not thread-safe.
 */
public final class StopMatcher {
    private final String[] stops;
    private final StringBuilder held = new StringBuilder();
    private String matched;

    public StopMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> s != null && !s.isEmpty()).toArray(String[]::new);
    }

    /**
     * Adds newly decoded text; returns the text that is now safe to emit (possibly empty). After a match
     * it returns the text up to the stop string and {@link #stopped()} becomes true; later calls return "".
     */
    public String add(String delta) {
        if (matched != null) {
            return "";
        }
        held.append(delta);
        if (stops.length == 0) {
            return drain(held.length());
        }
        // Earliest match wins; held text never contains a whole stop string, so searching all of it is
        // cheap (it is at most the longest stop string long) plus the new delta.
        int best = -1;
        String bestStop = null;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
                bestStop = s;
            }
        }
        if (best >= 0) {
            matched = bestStop;
            String out = held.substring(0, best);
            held.setLength(0);
            return out;
        }
        return drain(held.length() - partialTail());
    }

    /** At the end of generation: whatever is still held (a tail that never completed a stop string). */
    public String flush() {
        if (matched != null) {
            return "";
        }
        return drain(held.length());
    }

    public boolean stopped() {
        return matched != null;
    }

    /** The stop string that matched, or null. */
    public String matched() {
        return matched;
    }

    /** Length of the longest suffix of held that is a proper prefix of a stop string. */
    private int partialTail() {
        int best = 0;
        for (String s : stops) {
            int max = Math.min(s.length() - 1, held.length());
            for (int k = max; k > best; k--) {
                if (endsWithPrefix(s, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private boolean endsWithPrefix(String s, int k) {
        int off = held.length() - k;
        for (int i = 0; i < k; i++) {
            if (held.charAt(off + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String drain(int n) {
        String out = held.substring(0, n);
        held.delete(0, n);
        return out;
    }
}
