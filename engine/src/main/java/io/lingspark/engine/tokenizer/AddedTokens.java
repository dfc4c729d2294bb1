package io.lingspark.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Added tokens (the {@code added_tokens} of tokenizer.json), matched in the text before anything
 * else, as tokenizers' AddedVocabulary does: leftmost-longest, non-overlapping, with the
 * single_word / lstrip / rstrip rules. Tokens with normalized=false are matched on the raw text;
 * those with normalized=true on the normalized text (their content normalized too).
 */
final class AddedTokens {
    record Token(int id, String content, boolean special, boolean singleWord, boolean lstrip,
                 boolean rstrip, boolean normalized) {
    }

    /** A piece of text: either a matched added token (id ≥ 0) or plain text (id = -1). */
    record Segment(String text, int id) {
    }

    private final Map<String, Token> byContent = new HashMap<>();
    /** Distinct content lengths, longest first, to try at each position. */
    private final TreeSet<Integer> lengths = new TreeSet<>((a, b) -> Integer.compare(b, a));

    AddedTokens(List<Token> tokens, boolean normalizedPass, UnaryOperator<String> normalizer) {
        for (Token t : tokens) {
            if (t.normalized() == normalizedPass && !t.content().isEmpty()) {
                String key = normalizedPass ? normalizer.apply(t.content()) : t.content();
                byContent.putIfAbsent(key, t);
                lengths.add(key.length());
            }
        }
    }

    /** Splits text into added-token matches and the plain text between them. */
    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        if (byContent.isEmpty()) {
            out.add(new Segment(text, -1));
            return out;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            Token hit = null;
            int hitLen = 0;
            for (int len : lengths) {
                if (i + len <= text.length()) {
                    Token t = byContent.get(text.substring(i, i + len));
                    if (t != null) {
                        hit = t;
                        hitLen = len;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = i + hitLen;
            if (hit.singleWord() && (endsWithWord(text, start) || startsWithWord(text, stop))) {
                i = stop; // a rejected match still consumes its span, like aho-corasick's find_iter
                continue;
            }
            if (hit.lstrip()) {
                while (start > plainStart && Character.isWhitespace(text.charAt(start - 1))) {
                    start--;
                }
            }
            if (hit.rstrip()) {
                while (stop < text.length() && Character.isWhitespace(text.charAt(stop))) {
                    stop++;
                }
            }
            if (start > plainStart) {
                out.add(new Segment(text.substring(plainStart, start), -1));
            }
            out.add(new Segment(text.substring(start, stop), hit.id()));
            plainStart = stop;
            i = stop;
        }
        if (plainStart < text.length()) {
            out.add(new Segment(text.substring(plainStart), -1));
        }
        return out;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static boolean endsWithWord(String s, int end) {
        return end > 0 && isWordChar(s.charAt(end - 1));
    }

    private static boolean startsWithWord(String s, int start) {
        return start < s.length() && isWordChar(s.charAt(start));
    }
}
