package io.lingspark.engine.cli;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A stand-in for Ling's 157,184-token byte-level BPE vocabulary when its tokenizer.json is not at hand
 * (the benchmark machine has no hub access): the 256 byte tokens, then distinct pieces drawn with a mix
 * like a bilingual English/Chinese vocabulary's: English words (mostly with a leading space), CJK runs
 * (3-byte characters, some cut mid-character), other-script words, digit and whitespace runs, and the
 * punctuation clusters code and JSON produce ({@code "},}, {@code ":}, ...). The mask's cost depends on
 * the trie's shape (how many pieces share prefixes and which bytes they hold), which this reproduces
 * roughly, not exactly. Deterministic.
 */
final class SyntheticVocabulary {
    private static final String LETTERS = "eeeeeeeeeeeetttttttttaaaaaaaaoooooooiiiiiiinnnnnnnsssssshhhhhhrrrrrrddddlllluuucccmmmwwffggyyppbbvkjxqz";
    private static final String[] PUNCT = {"{", "}", "[", "]", "\"", "\":", "\",", "\"}", "},", "],", ", ", ": ", ".", ",",
        "(", ")", ");", "();", "=", "==", "->", "::", "//", "/*", "*/", "#", "##", "###", "-", "--", "---", "_", "__",
        "'", "'s", "\\", "\\n", "\\\"", "<", ">", "</", "/>", "!", "?", "...", ";", "@", "$", "%", "&", "*", "+", "|"};

    private SyntheticVocabulary() {
    }

    /** [size] byte strings; ids listed in eos get null (they are control tokens, never text). */
    static byte[][] generate(int size, int[] eos, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[][] out = new byte[size][];
        Set<String> seen = new HashSet<>();
        for (int b = 0; b < 256 && b < size; b++) {
            out[b] = new byte[] {(byte) b};
            seen.add(new String(out[b], StandardCharsets.ISO_8859_1));
        }
        for (String p : PUNCT) {
            seen.add(new String(p.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
        }
        int id = 256;
        for (String p : PUNCT) {
            if (id < size) {
                out[id++] = p.getBytes(StandardCharsets.UTF_8);
            }
        }
        while (id < size) {
            byte[] b = piece(r);
            if (seen.add(new String(b, StandardCharsets.ISO_8859_1))) {
                out[id++] = b;
            }
        }
        for (int e : eos) {
            if (e >= 0 && e < size) {
                out[e] = null;
            }
        }
        return out;
    }

    private static byte[] piece(SplittableRandom r) {
        int kind = r.nextInt(100);
        StringBuilder sb = new StringBuilder();
        if (kind < 48) {             // English words and word pieces
            if (r.nextInt(10) < 7) {
                sb.append(' ');
            }
            int len = 2 + r.nextInt(3) + r.nextInt(4) + r.nextInt(4);
            for (int i = 0; i < len; i++) {
                char c = LETTERS.charAt(r.nextInt(LETTERS.length()));
                sb.append(i == 0 && r.nextInt(6) == 0 ? Character.toUpperCase(c) : c);
            }
        } else if (kind < 83) {      // CJK runs
            int len = 1 + r.nextInt(3);
            for (int i = 0; i < len; i++) {
                sb.appendCodePoint(0x4E00 + r.nextInt(0x9FFF - 0x4E00));
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            if (r.nextInt(20) == 0) { // a piece cut inside a character, as byte-level merges produce
                return java.util.Arrays.copyOf(b, b.length - 1 - r.nextInt(2));
            }
            return b;
        } else if (kind < 90) {      // other scripts: accented Latin, Cyrillic
            if (r.nextBoolean()) {
                sb.append(' ');
            }
            int base = r.nextBoolean() ? 0x00E0 : 0x0430;
            int len = 2 + r.nextInt(6);
            for (int i = 0; i < len; i++) {
                sb.appendCodePoint(base + r.nextInt(26));
            }
        } else if (kind < 95) {      // digits, whitespace and indentation runs
            int len = 1 + r.nextInt(6);
            String alphabet = r.nextBoolean() ? "0123456789" : "  \n\t";
            for (int i = 0; i < len; i++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
        } else {                     // code and JSON punctuation with an identifier
            sb.append(PUNCT[r.nextInt(PUNCT.length)]);
            int len = 1 + r.nextInt(6);
            for (int i = 0; i < len; i++) {
                sb.append(LETTERS.charAt(r.nextInt(LETTERS.length())));
            }
            sb.append(PUNCT[r.nextInt(PUNCT.length)]);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
