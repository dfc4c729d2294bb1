package io.lingspark.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte ↔ unicode map, as the Hugging Face {@code ByteLevel} pre-tokenizer and
 * decoder use it. Printable Latin-1 bytes map to themselves; the other 68 bytes (controls, space,
 * 0x7F-0xA0, 0xAD) map to U+0100.. in byte order, so every byte becomes one visible vocabulary char.
 */
final class ByteLevel {
    /** byte (0..255) → char. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** char → byte, or -1; indexed by char value up to 0x143 (the highest mapped char). */
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The 256 byte symbols in byte order (the base alphabet of a byte-level BPE). */
    static char symbol(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** UTF-8 bytes of s, each mapped to its symbol. */
    static String encode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /**
     * Bytes of one token for the ByteLevel decoder. Like tokenizers' decode_chain: if any char of the
     * token is not a byte symbol (an added token such as one containing a plain space), the whole
     * token is taken as its own UTF-8 bytes instead.
     */
    static void tokenBytes(String token, ByteArrayOutputStream out) {
        byte[] mapped = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                out.writeBytes(token.getBytes(StandardCharsets.UTF_8));
                return;
            }
            mapped[i] = (byte) b;
        }
        out.writeBytes(mapped);
    }
}
