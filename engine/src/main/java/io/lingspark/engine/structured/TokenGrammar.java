package io.lingspark.engine.structured;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.ByteRunAutomaton;

/**
 * A compiled constraint over one vocabulary: the answer language as a DFA on UTF-8 bytes, and the packed
 * mask of the tokens allowed next. A token is allowed in state s when each of its bytes steps the DFA to
 * a state from which an accepting state is still reachable ("live"), so every prefix the sampler can
 * produce extends to a complete answer. End-of-sequence ids are allowed exactly in accepting states.
 *
 * <p>Masks are per class of states, not per state: a mask looks at most {@code maxTokenBytes} bytes
 * ahead, so two states with the same acceptance and the same live paths of up to that many bytes have
 * the same mask (k-equivalence, found by k rounds of partition refinement). A string of maxLength 200
 * is 200 states but only a few dozen classes. {@link #precompute()} fills every class's mask (one pass
 * over the shared byte trie each, pruned at dead bytes), after which a step's mask is a lookup; a class
 * not yet computed is computed on first use. Thread-safe: racing threads compute equal arrays.
 */
public final class TokenGrammar {
    private final TokenVocabulary vocab;
    private final ByteRunAutomaton dfa;
    private final int alphabet;      // byte classes of the DFA (bytes that always step alike)
    private final byte[] byteClass;  // [256] byte -> its class
    private final int[] next;        // [states * alphabet] next state, -1 when dead (no live state follows)
    private final boolean[] accept;  // [states]
    private final int[] classOf;     // [states] mask class
    private final int[] representative; // [classes] a state of each class
    private final AtomicReferenceArray<long[]> masks; // [classes] packed [ceil(V / 64)], bit id set = allowed
    private final ThreadLocal<int[]> nodeStates;
    private final long[] endOnly;    // the end-of-sequence ids alone: an answer that can only end

    /** @param answer the answer language over Unicode code points (see {@link GrammarCompiler}) */
    public TokenGrammar(TokenVocabulary vocab, Automaton answer) {
        this.vocab = vocab;
        this.dfa = new ByteRunAutomaton(answer);
        int n = dfa.getSize();
        int[] points = dfa.getCharIntervals(); // sorted starts of the byte intervals that step alike
        this.alphabet = points.length;
        this.byteClass = new byte[256];
        for (int c = 0, k = 0; c < 256; c++) {
            while (k + 1 < points.length && points[k + 1] <= c) {
                k++;
            }
            byteClass[c] = (byte) k;
        }
        this.accept = new boolean[n];
        int[] raw = new int[n * alphabet];
        for (int s = 0; s < n; s++) {
            accept[s] = dfa.isAccept(s);
            for (int k = 0; k < alphabet; k++) {
                raw[s * alphabet + k] = dfa.step(s, points[k]);
            }
        }
        boolean[] live = liveStates(raw, accept, n, alphabet);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] >= 0 && !live[raw[i]]) {
                raw[i] = -1;
            }
        }
        this.next = raw;
        this.classOf = refine(raw, accept, n, alphabet, vocab.maxTokenBytes);
        int classes = Arrays.stream(classOf).max().orElse(-1) + 1;
        this.representative = new int[classes];
        for (int s = n - 1; s >= 0; s--) {
            representative[classOf[s]] = s;
        }
        this.masks = new AtomicReferenceArray<>(classes);
        this.nodeStates = ThreadLocal.withInitial(() -> new int[vocab.nodes()]);
        this.endOnly = withEos(new long[vocab.words]);
    }

    TokenVocabulary vocabulary() {
        return vocab;
    }

    /** The state before any answer byte. */
    public int start() {
        return 0;
    }

    /** States of the byte DFA. */
    public int states() {
        return accept.length;
    }

    /** Distinct masks the grammar can ask for (classes of states). */
    public int maskClasses() {
        return representative.length;
    }

    /** Memory of every mask once computed. */
    public long maskBytes() {
        return (long) representative.length * vocab.words * 8;
    }

    public boolean accepts(int state) {
        return state >= 0 && accept[state];
    }

    /** The state after bytes b[off, off + len) from state, or -1 once a byte leaves the language's prefixes. */
    public int step(int state, byte[] b, int off, int len) {
        for (int i = off; i < off + len && state >= 0; i++) {
            state = next[state * alphabet + byteClass[b[i] & 0xff]];
        }
        return state;
    }

    /** The state after token id (-1 for an id the grammar never allows, or a dead step). */
    public int stepToken(int state, int id) {
        byte[] b = vocab.bytes(id);
        return b == null ? -1 : step(state, b, 0, b.length);
    }

    /** Computes every class's mask (in parallel); afterwards each step's mask is a lookup. */
    public TokenGrammar precompute() {
        IntStream.range(0, representative.length).parallel().forEach(c -> mask(representative[c]));
        return this;
    }

    /** Tokens allowed in state, end-of-sequence ids included where it accepts; do not modify. */
    public long[] mask(int state) {
        int c = classOf[state];
        long[] m = masks.get(c);
        if (m == null) {
            m = computeMask(state);
            masks.compareAndSet(c, null, m);
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
        int nodes = label.length;
        st[0] = state;
        for (int i = 1; i < nodes; ) {
            int s = next[st[parent[i]] * alphabet + byteClass[label[i] & 0xff]];
            if (s < 0) {
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
        return accept[state] || none ? withEos(m) : m;
    }

    private long[] withEos(long[] m) {
        for (int e : vocab.eosIds) {
            if (e >= 0 && e < vocab.vocabSize) {
                m[e >>> 6] |= 1L << e;
            }
        }
        return m;
    }

    /** The mask that allows only the end-of-sequence ids; do not modify. */
    long[] endOnly() {
        return endOnly;
    }

    /** States from which an accepting state is reachable: a backwards search over the transitions. */
    private static boolean[] liveStates(int[] next, boolean[] accept, int n, int alphabet) {
        int[] count = new int[n + 1];
        for (int t : next) {
            if (t >= 0) {
                count[t + 1]++;
            }
        }
        for (int i = 0; i < n; i++) {
            count[i + 1] += count[i];
        }
        int[] preds = new int[count[n]];
        int[] fill = Arrays.copyOf(count, n);
        for (int i = 0; i < next.length; i++) {
            if (next[i] >= 0) {
                preds[fill[next[i]]++] = i / alphabet;
            }
        }
        boolean[] live = new boolean[n];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            if (accept[s]) {
                live[s] = true;
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            int t = queue.poll();
            for (int j = count[t]; j < count[t + 1]; j++) {
                if (!live[preds[j]]) {
                    live[preds[j]] = true;
                    queue.add(preds[j]);
                }
            }
        }
        return live;
    }

    /**
     * Classes of states equal in acceptance and in their live paths of up to k bytes: start from
     * acceptance, then k rounds of refinement by (class, class of the successor on each byte class);
     * stops early at a fixpoint.
     */
    private static int[] refine(int[] next, boolean[] accept, int n, int alphabet, int k) {
        int[] cls = new int[n];
        for (int s = 0; s < n; s++) {
            cls[s] = accept[s] ? 1 : 0;
        }
        int count = -1;
        for (int round = 0; round <= k; round++) {
            Map<IntsKey, Integer> ids = new HashMap<>();
            int[] out = new int[n];
            for (int s = 0; s < n; s++) {
                int[] sig = new int[alphabet + 1];
                sig[0] = cls[s];
                for (int c = 0; c < alphabet; c++) {
                    int t = next[s * alphabet + c];
                    sig[c + 1] = t < 0 ? -1 : cls[t];
                }
                out[s] = ids.computeIfAbsent(new IntsKey(sig), x -> ids.size());
            }
            cls = out;
            if (ids.size() == count) {
                break;
            }
            count = ids.size();
        }
        return cls;
    }
}
