package io.lingspark.engine.structured;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Transition;

/**
 * Minimizes a deterministic automaton without dead states by Moore-style partition refinement directly on
 * its code point ranges. Lucene's Hopcroft implementation first totalizes the automaton and tables every
 * (state, alphabet interval) pair; JSON grammars have a few hundred alphabet intervals (every key letter
 * is one), which made a 5,000-state schema automaton take seconds. Refinement rounds here cost
 * O(transitions) each and their number is the length of the longest shortest distinguishing suffix,
 * small for JSON (bounded whitespace, short counters). Returns null when the round budget runs out, so
 * the caller can fall back to Lucene.
 */
final class Minimizer {
    private Minimizer() {
    }

    /** @param a deterministic, no dead states; @param workBudget rounds x transitions before giving up */
    static Automaton minimize(Automaton a, long workBudget) {
        int n = a.getNumStates();
        if (n <= 1) {
            return a;
        }
        // Per state, transitions sorted by range start: (min, max, dest) flattened.
        int[][] trans = new int[n][];
        Transition t = new Transition();
        long m = 0;
        for (int s = 0; s < n; s++) {
            int count = a.initTransition(s, t);
            long[] packed = new long[count];
            int[][] tmp = new int[count][];
            for (int i = 0; i < count; i++) {
                a.getNextTransition(t);
                tmp[i] = new int[] {t.min, t.max, t.dest};
                packed[i] = ((long) t.min << 32) | i;
            }
            Arrays.sort(packed);
            trans[s] = new int[count * 3];
            for (int i = 0; i < count; i++) {
                int[] x = tmp[(int) packed[i]];
                System.arraycopy(x, 0, trans[s], 3 * i, 3);
            }
            m += count + 1;
        }
        int[] cls = new int[n];
        int classes = 0;
        {
            int acceptClass = -1;
            int rejectClass = -1;
            for (int s = 0; s < n; s++) {
                if (a.isAccept(s)) {
                    cls[s] = acceptClass == -1 ? (acceptClass = classes++) : acceptClass;
                } else {
                    cls[s] = rejectClass == -1 ? (rejectClass = classes++) : rejectClass;
                }
            }
        }
        long work = 0;
        while (true) {
            Map<IntsKey, Integer> ids = new HashMap<>(classes * 2);
            int[] next = new int[n];
            for (int s = 0; s < n; s++) {
                next[s] = ids.computeIfAbsent(new IntsKey(signature(cls[s], trans[s], cls)), k -> ids.size());
            }
            boolean stable = ids.size() == classes;
            cls = next;
            classes = ids.size();
            if (stable) {
                break;
            }
            work += m;
            if (work > workBudget) {
                return null;
            }
        }
        return build(a, trans, cls, classes);
    }

    /** The state's class, then its transitions as (min, max, destination class), adjacent equal ones merged. */
    private static int[] signature(int own, int[] tr, int[] cls) {
        int[] out = new int[1 + tr.length];
        out[0] = own;
        int len = 1;
        for (int i = 0; i < tr.length; i += 3) {
            int c = cls[tr[i + 2]];
            if (len > 1 && out[len - 1] == c && out[len - 2] + 1 == tr[i]) {
                out[len - 2] = tr[i + 1];
            } else {
                out[len++] = tr[i];
                out[len++] = tr[i + 1];
                out[len++] = c;
            }
        }
        return len == out.length ? out : Arrays.copyOf(out, len);
    }

    private static Automaton build(Automaton a, int[][] trans, int[] cls, int classes) {
        // Renumber so that the initial state's class is state 0, the others in first-seen order.
        int[] order = new int[classes];
        Arrays.fill(order, -1);
        int[] rep = new int[classes];
        int nextId = 0;
        order[cls[0]] = nextId++;
        rep[cls[0]] = 0;
        for (int s = 1; s < trans.length; s++) {
            if (order[cls[s]] == -1) {
                order[cls[s]] = nextId++;
                rep[cls[s]] = s;
            }
        }
        int[] byId = new int[classes];
        for (int c = 0; c < classes; c++) {
            byId[order[c]] = c;
        }
        Automaton out = new Automaton(classes, 0);
        for (int id = 0; id < classes; id++) {
            out.createState();
        }
        for (int id = 0; id < classes; id++) {
            int s = rep[byId[id]];
            out.setAccept(id, a.isAccept(s));
            int[] sig = signature(0, trans[s], cls);
            for (int i = 1; i < sig.length; i += 3) {
                out.addTransition(id, order[sig[i + 2]], sig[i], sig[i + 1]);
            }
        }
        out.finishState();
        return out;
    }
}
