package io.lingspark.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The normalizer and pre-tokenizer parts of tokenizer.json that byte-level BPE tokenizers use.
 * Anything else is rejected at load time rather than silently tokenizing differently.
 */
final class PreTokenizer {
    /** The regex ByteLevel applies when use_regex is true (GPT-2's). */
    static final String GPT2_REGEX =
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** One stage: pieces in, pieces out. */
    interface Stage {
        List<String> apply(List<String> pieces);
    }

    private PreTokenizer() {
    }

    /** A normalizer from tokenizer.json (null node → identity). */
    static UnaryOperator<String> normalizer(JsonNode n) {
        if (n == null || n.isNull()) {
            return UnaryOperator.identity();
        }
        String type = n.path("type").asText();
        switch (type) {
            case "NFC": return s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD": return s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC": return s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD": return s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase": return s -> s.toLowerCase(Locale.ROOT);
            case "Sequence": {
                List<UnaryOperator<String>> parts = new ArrayList<>();
                for (JsonNode c : n.path("normalizers")) {
                    parts.add(normalizer(c));
                }
                return s -> {
                    for (UnaryOperator<String> p : parts) {
                        s = p.apply(s);
                    }
                    return s;
                };
            }
            default: throw new IllegalArgumentException("unsupported normalizer type '" + type + "'");
        }
    }

    /** A pre-tokenizer from tokenizer.json. Byte-level mapping is the last step of ByteLevel. */
    static Stage stage(JsonNode n) {
        if (n == null || n.isNull()) {
            return pieces -> pieces;
        }
        String type = n.path("type").asText();
        switch (type) {
            case "Sequence": {
                List<Stage> parts = new ArrayList<>();
                for (JsonNode c : n.path("pretokenizers")) {
                    parts.add(stage(c));
                }
                return pieces -> {
                    for (Stage s : parts) {
                        pieces = s.apply(pieces);
                    }
                    return pieces;
                };
            }
            case "Split": {
                JsonNode p = n.path("pattern");
                String regex = p.has("Regex") ? p.get("Regex").asText() : Pattern.quote(p.path("String").asText());
                String behavior = n.path("behavior").asText();
                if (n.path("invert").asBoolean(false)) {
                    throw new IllegalArgumentException("Split with invert=true is not supported");
                }
                Pattern pattern = compile(regex);
                return pieces -> split(pieces, pattern, behavior);
            }
            case "ByteLevel": {
                boolean prefix = n.path("add_prefix_space").asBoolean(false);
                boolean useRegex = n.path("use_regex").asBoolean(true);
                Pattern gpt2 = compile(GPT2_REGEX);
                return pieces -> {
                    List<String> out = new ArrayList<>();
                    for (String piece : pieces) {
                        String s = prefix && !piece.startsWith(" ") ? " " + piece : piece;
                        List<String> parts = useRegex ? split(List.of(s), gpt2, "Isolated") : List.of(s);
                        for (String part : parts) {
                            out.add(ByteLevel.encode(part));
                        }
                    }
                    return out;
                };
            }
            default: throw new IllegalArgumentException("unsupported pre_tokenizer type '" + type + "'");
        }
    }

    /**
     * tokenizers' regexes run on Oniguruma, whose \s, \d, \w are Unicode-aware; java.util.regex needs
     * UNICODE_CHARACTER_CLASS for that. \p{L}, \p{N}, possessive quantifiers, (?i:...) and lookahead
     * have the same syntax and leftmost-first semantics in both engines.
     */
    static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    static List<String> split(List<String> pieces, Pattern pattern, String behavior) {
        List<String> out = new ArrayList<>();
        for (String s : pieces) {
            Matcher m = pattern.matcher(s);
            int last = 0;
            // Pairs of (text, isMatch) in order; empty matches are ignored like tokenizers does.
            List<String> texts = new ArrayList<>();
            List<Boolean> isMatch = new ArrayList<>();
            while (m.find()) {
                if (m.start() == m.end()) {
                    continue;
                }
                if (m.start() > last) {
                    texts.add(s.substring(last, m.start()));
                    isMatch.add(false);
                }
                texts.add(m.group());
                isMatch.add(true);
                last = m.end();
            }
            if (last < s.length()) {
                texts.add(s.substring(last));
                isMatch.add(false);
            }
            switch (behavior) {
                case "Isolated":
                    out.addAll(texts);
                    break;
                case "Removed":
                    for (int i = 0; i < texts.size(); i++) {
                        if (!isMatch.get(i)) {
                            out.add(texts.get(i));
                        }
                    }
                    break;
                case "MergedWithPrevious": {
                    StringBuilder cur = new StringBuilder();
                    for (int i = 0; i < texts.size(); i++) {
                        if (isMatch.get(i) && cur.length() > 0) {
                            out.add(cur.append(texts.get(i)).toString());
                            cur.setLength(0);
                        } else if (isMatch.get(i)) {
                            out.add(texts.get(i));
                        } else {
                            cur.append(texts.get(i));
                        }
                    }
                    if (cur.length() > 0) {
                        out.add(cur.toString());
                    }
                    break;
                }
                case "MergedWithNext": {
                    StringBuilder cur = new StringBuilder();
                    for (int i = 0; i < texts.size(); i++) {
                        if (isMatch.get(i) && cur.length() > 0) {
                            out.add(cur.toString());
                            cur.setLength(0);
                        }
                        cur.append(texts.get(i));
                        if (!isMatch.get(i)) {
                            out.add(cur.toString());
                            cur.setLength(0);
                        }
                    }
                    if (cur.length() > 0) {
                        out.add(cur.toString());
                    }
                    break;
                }
                default:
                    throw new IllegalArgumentException("unsupported Split behavior '" + behavior + "'");
            }
        }
        return out;
    }
}
