package io.lingspark.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Streaming detokenizer. Byte-level tokens often end in the middle of a UTF-8 character (a CJK
 * char or emoji is 3-4 bytes spread over 2-4 tokens), so the bytes of an incomplete trailing
 * character are held back until the rest arrives. Everything before it is decoded exactly as
 * {@link HfTokenizer#decode} would, so the concatenated output equals the one-shot decode.
 */
final class Utf8StreamDecoder implements Tokenizer.IncrementalDecoder {
    private final HfTokenizer tokenizer;
    private final boolean skipSpecial;
    private byte[] pending = new byte[0];

    Utf8StreamDecoder(HfTokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    @Override
    public String add(int id) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.writeBytes(pending);
        tokenizer.appendBytes(id, skipSpecial, buf);
        byte[] all = buf.toByteArray();
        int cut = completePrefix(all);
        pending = Arrays.copyOfRange(all, cut, all.length);
        return new String(all, 0, cut, StandardCharsets.UTF_8);
    }

    @Override
    public String flush() {
        String rest = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return rest;
    }

    /**
     * Length of the prefix that can be emitted now: everything except a trailing lead byte followed
     * by fewer continuation bytes than it announces. Invalid bytes are not held (they decode to
     * U+FFFD either way), so a broken stream cannot stall output.
     */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int v = b[n - back] & 0xFF;
            if ((v & 0xC0) == 0x80) {
                continue; // continuation byte: keep looking for its lead
            }
            int need = v >= 0xF0 && v <= 0xF4 ? 4 : v >= 0xE0 && v < 0xF0 ? 3 : v >= 0xC2 && v < 0xE0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
