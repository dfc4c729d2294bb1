package io.lingspark.engine.runtime;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The prefix-cache key of one full cache block: 128 bits of SHA-256 over the parent block's key and
 * the block's token ids, so a key names the whole chain of tokens from position 0 to the block's end
 * (vLLM's chained block hashes). Nothing else changes a block's contents in one engine: the model,
 * its weights and the backend are fixed for the engine's life, and positions follow from the chain.
 * A hit also compares the block's tokens, so only a 128-bit collision of a parent chain could serve
 * wrong rows; SHA-256 keeps that out of reach even for inputs built to collide.
 */
public record BlockHash(long hi, long lo) {
    /** The parent of a sequence's first block. */
    static final BlockHash ROOT = new BlockHash(0, 0);

    /** Hashes blocks; one per thread (the scheduler's). */
    static final class Hasher {
        private final MessageDigest sha;
        private final byte[] buf;

        Hasher(int blockSize) {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
            }
            buf = new byte[16 + 4 * blockSize];
        }

        /** The key of the block holding tokens[from, from + blockSize) after the block keyed parent. */
        BlockHash next(BlockHash parent, int[] tokens, int from, int blockSize) {
            putLong(buf, 0, parent.hi);
            putLong(buf, 8, parent.lo);
            for (int i = 0; i < blockSize; i++) {
                int t = tokens[from + i];
                int o = 16 + 4 * i;
                buf[o] = (byte) t;
                buf[o + 1] = (byte) (t >>> 8);
                buf[o + 2] = (byte) (t >>> 16);
                buf[o + 3] = (byte) (t >>> 24);
            }
            sha.update(buf, 0, 16 + 4 * blockSize);
            byte[] d = sha.digest();
            return new BlockHash(getLong(d, 0), getLong(d, 8));
        }

        private static void putLong(byte[] b, int o, long v) {
            for (int i = 0; i < 8; i++) {
                b[o + i] = (byte) (v >>> (8 * i));
            }
        }

        private static long getLong(byte[] b, int o) {
            long v = 0;
            for (int i = 7; i >= 0; i--) {
                v = (v << 8) | (b[o + i] & 0xFF);
            }
            return v;
        }
    }
}
