package io.lingspark.engine.structured;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.ByteRunAutomaton;

/**
 * A compiled constraint over one vocabulary: the answer language as a DFA on UTF-8 bytes, and per DFA
 * state the packed mask of the tokens allowed next. A token is allowed in state s when each of its bytes
 * steps the DFA to a state from which an accepting state is still reachable ("live"), so every prefix
 * the sampler can produce extends to a complete answer. End-of-sequence ids are allowed exactly in
 * accepting states.
 *
 * <p>Masks are computed the first time a state is reached (one pass over the shared byte trie, pruned at
 * dead bytes) and kept: after that a step's mask is a lookup. Thread-safe: two threads computing the same
 * state's mask compute equal arrays, and either may win.
 */
public final class TokenGrammar {
    private final TokenVocabulary vocab;
    private final ByteRunAutomaton dfa;
    private final boolean[] live;                 // [states] an accepting state is reachable
    private final AtomicReferenceArray<long[]> masks; // [states] packed [ceil(V / 64)], bit id set = allowed
    private final ThreadLocal<int[]> nodeStates;
    private double compileMs;

    /** @param answer the answer language over Unicode code points (see {@link GrammarCompiler}) */
    public TokenGrammar(TokenVocabulary vocab, Automaton answer, double compileMs) {
        this.vocab = vocab;
        this.dfa = new ByteRunAutomaton(answer);
        this.compileMs = compileMs;
        int n = dfa.getSize();
        this.live = liveStates(dfa);
        this.masks = new AtomicReferenceArray<>(n);
        this.nodeStates = ThreadLocal.withInitial(() -> new int[vocab.nodes()]);
    }

    TokenGrammar withCompileMs(double ms) {
        compileMs = ms;
        return this;
    }

    /** Time from the constraint to this grammar (automaton, byte DFA, liveness), masks excluded. */
    public double compileMs() {
        return compileMs;
    }

    TokenVocabulary vocabulary() {
        return vocab;
    }

    /** The state before any answer byte. */
    public int start() {
        return 0;
    }

    /** States of the DFA (each has at most one mask). */
    public int states() {
        return dfa.getSize();
    }

    public boolean accepts(int state) {
        return state >= 0 && dfa.isAccept(state);
    }

    /** The state after bytes b[off, off + len) from state, or -1 once a byte leaves the language's prefixes. */
    public int step(int state, byte[] b, int off, int len) {
        for (int i = off; i < off + len && state >= 0; i++) {
            state = dfa.step(state, b[i] & 0xff);
            if (state >= 0 && !live[state]) {
                state = -1;
            }
        }
        return state;
    }

    /** The state after token id (-1 for an id the grammar never allows, or a dead step). */
    public int stepToken(int state, int id) {
        byte[] b = vocab.bytes(id);
        return b == null ? -1 : step(state, b, 0, b.length);
    }

    /** True when state's mask is already computed (a lookup, no trie pass). */
    public boolean cached(int state) {
        return masks.get(state) != null;
    }

    /** Tokens allowed in state, end-of-sequence ids included where it accepts; do not modify. */
    public long[] mask(int state) {
        long[] m = masks.get(state);
        if (m == null) {
            m = computeMask(state);
            masks.compareAndSet(state, null, m);
        }
        return m;
    }

    private long[] computeMask(int state) {
        long[] m = new long[vocab.words];
        int[] st = nodeStates.get();
        byte[] label = vocab.label;
        int[] parent = vocab.parent;
        int[] end = vocab.end;
        int[] tokStart = vocab.tokStart;
        int[] tokIds = vocab.tokIds;
        int n = label.length;
        st[0] = state;
        for (int i = 1; i < n; ) {
            int s = dfa.step(st[parent[i]], label[i] & 0xff);
            if (s < 0 || !live[s]) {
                i = end[i]; // no token through this prefix: skip the subtree
                continue;
            }
            st[i] = s;
            for (int t = tokStart[i]; t < tokStart[i + 1]; t++) {
                int id = tokIds[t];
                m[id >>> 6] |= 1L << id;
            }
            i++;
        }
        boolean none = true;
        for (long w : m) {
            none &= w == 0;
        }
        // No token continues the answer (a vocabulary without some byte): end it rather than mask every id.
        if (dfa.isAccept(state) || none) {
            for (int e : vocab.eosIds) {
                if (e >= 0 && e < vocab.vocabSize) {
                    m[e >>> 6] |= 1L << e;
                }
            }
        }
        return m;
    }

    /** States from which an accepting state is reachable: a backwards search over all byte transitions. */
    private static boolean[] liveStates(ByteRunAutomaton dfa) {
        int n = dfa.getSize();
        int[][] preds = new int[n][];
        int[] count = new int[n];
        int[] next = new int[n * 256];
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < 256; c++) {
                int t = dfa.step(s, c);
                next[s * 256 + c] = t;
                if (t >= 0) {
                    count[t]++;
                }
            }
        }
        for (int t = 0; t < n; t++) {
            preds[t] = new int[count[t]];
        }
        Arrays.fill(count, 0);
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < 256; c++) {
                int t = next[s * 256 + c];
                if (t >= 0) {
                    preds[t][count[t]++] = s;
                }
            }
        }
        boolean[] live = new boolean[n];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            if (dfa.isAccept(s)) {
                live[s] = true;
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            int t = queue.poll();
            for (int s : preds[t]) {
                if (!live[s]) {
                    live[s] = true;
                    queue.add(s);
                }
            }
        }
        return live;
    }
}
