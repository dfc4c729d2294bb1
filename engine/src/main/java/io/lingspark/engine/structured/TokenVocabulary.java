package io.lingspark.engine.structured;

import io.lingspark.engine.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * A model's vocabulary as byte strings, in a byte trie laid out in preorder, shared by every grammar of
 * an engine. Tokens are byte-level BPE pieces, so a token may hold part of a UTF-8 character; masks are
 * computed on bytes and such tokens need no special case.
 *
 * <p>Preorder arrays make the per-state mask a single forward loop ({@link TokenGrammar#mask}): node i's
 * parent precedes it, and a dead node skips its whole subtree by jumping to {@code end[i]}. Added tokens
 * (special or not), the padding ids past the tokenizer, and empty tokens are not in the trie: under a
 * constraint they are never allowed, except the end-of-sequence ids where the constraint accepts.
 */
public final class TokenVocabulary {
    final int vocabSize;     // logits row width V (the model's vocab_size, padding included)
    final int words;         // bitmask words: ceil(V / 64)
    final byte[][] bytes;    // [V] token bytes, null where excluded
    final int[] eosIds;
    // The trie, preorder, node 0 = root (the empty prefix):
    final byte[] label;      // [nodes] the byte on the edge into the node
    final int[] parent;      // [nodes]
    final int[] end;         // [nodes] first node after the subtree
    final int[] tokStart;    // [nodes + 1] tokens ending at node i: tokIds[tokStart[i], tokStart[i + 1])
    final int[] tokIds;
    final int maxTokenBytes; // the longest token: how far ahead of a state a mask can look

    private record Piece(byte[] b, int id) {
    }

    public TokenVocabulary(Tokenizer tokenizer, int vocabSize, int[] eosIds) {
        this(bytesOf(tokenizer, vocabSize), eosIds);
    }

    private static byte[][] bytesOf(Tokenizer tokenizer, int vocabSize) {
        byte[][] out = new byte[vocabSize][];
        for (int id = 0; id < Math.min(vocabSize, tokenizer.size()); id++) {
            out[id] = tokenizer.vocabularyBytes(id);
        }
        return out;
    }

    /** @param tokenBytes [V] each id's bytes, null (or empty) for ids a constraint never allows */
    public TokenVocabulary(byte[][] tokenBytes, int[] eosIds) {
        this.vocabSize = tokenBytes.length;
        this.words = (vocabSize + 63) >>> 6;
        this.eosIds = eosIds.clone();
        this.bytes = new byte[vocabSize][];
        int n = 0;
        for (int id = 0; id < vocabSize; id++) {
            byte[] b = tokenBytes[id];
            if (b != null && b.length > 0) {
                bytes[id] = b;
                n++;
            }
        }
        Piece[] pieces = new Piece[n];
        int k = 0;
        int longest = 0;
        for (int id = 0; id < vocabSize; id++) {
            if (bytes[id] != null) {
                pieces[k++] = new Piece(bytes[id], id);
                longest = Math.max(longest, bytes[id].length);
            }
        }
        this.maxTokenBytes = longest;
        Arrays.sort(pieces, (x, y) -> {
            int c = Arrays.compareUnsigned(x.b, y.b);
            return c != 0 ? c : Integer.compare(x.id, y.id);
        });
        int[] order = new int[n];
        for (int t = 0; t < n; t++) {
            order[t] = pieces[t].id;
        }
        // Upper bound on nodes: one per byte of every token, plus the root.
        long total = 1;
        for (int id : order) {
            total += bytes[id].length;
        }
        byte[] lab = new byte[(int) total];
        int[] par = new int[(int) total];
        int[] tokNode = new int[n];
        int nodes = 1;
        int[] path = new int[256];    // path[d] = node at depth d of the previous token (path[0] = root)
        byte[] prev = new byte[0];
        par[0] = -1;
        for (int t = 0; t < n; t++) {
            byte[] b = bytes[order[t]];
            int common = 0;
            while (common < Math.min(prev.length, b.length) && prev[common] == b[common]) {
                common++;
            }
            if (b.length + 1 > path.length) {
                path = Arrays.copyOf(path, b.length + 1);
            }
            for (int d = common; d < b.length; d++) {
                lab[nodes] = b[d];
                par[nodes] = path[d];
                path[d + 1] = nodes++;
            }
            tokNode[t] = path[b.length];
            prev = b;
        }
        label = Arrays.copyOf(lab, nodes);
        parent = Arrays.copyOf(par, nodes);
        // Subtree ends: in preorder a node's subtree is contiguous, so its end is the largest end of its
        // children; walking backwards, every child is seen before its parent.
        end = new int[nodes];
        for (int i = nodes - 1; i >= 0; i--) {
            if (end[i] == 0) {
                end[i] = i + 1;
            }
            if (i > 0 && end[parent[i]] < end[i]) {
                end[parent[i]] = end[i];
            }
        }
        tokStart = new int[nodes + 1];
        for (int t = 0; t < n; t++) {
            tokStart[tokNode[t] + 1]++;
        }
        for (int i = 0; i < nodes; i++) {
            tokStart[i + 1] += tokStart[i];
        }
        tokIds = new int[n];
        int[] fill = Arrays.copyOf(tokStart, nodes);
        for (int t = 0; t < n; t++) {
            tokIds[fill[tokNode[t]]++] = order[t];
        }
    }

    /** Logits row width (bitmask length in bits). */
    public int vocabSize() {
        return vocabSize;
    }

    /** Trie nodes (the work of one cold mask). */
    public int nodes() {
        return label.length;
    }

    /** Ids a constraint can ever allow (the end-of-sequence ids aside). */
    public int tokens() {
        return tokIds.length;
    }

    /** The bytes of id, or null for an id never allowed under a constraint. */
    public byte[] bytes(int id) {
        return id >= 0 && id < vocabSize ? bytes[id] : null;
    }

    boolean isEos(int id) {
        for (int e : eosIds) {
            if (e == id) {
                return true;
            }
        }
        return false;
    }
}
