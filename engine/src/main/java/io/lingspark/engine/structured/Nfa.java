package io.lingspark.engine.structured;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Transition;

/**
 * A small epsilon-NFA assembler: automata are placed once as pieces and wired with epsilon edges, so a
 * piece reachable along many paths is shared rather than copied (Operations.concatenate/union copy
 * their operands, which turns "one of these optional members, then the rest" into quadratic or worse
 * sizes). {@link #finish} removes the epsilons by closure; the caller determinizes.
 */
final class Nfa {
    /** A placed piece: its start state, and one exit state reached by epsilon from each accept state. */
    record Piece(int entry, int exit) {
    }

    private final List<int[]> transitions = new ArrayList<>(); // per state: flattened (min, max, dest)*
    private final List<List<Integer>> epsilons = new ArrayList<>();
    private final BitSet accept = new BitSet();

    int state() {
        transitions.add(new int[0]);
        epsilons.add(new ArrayList<>());
        return transitions.size() - 1;
    }

    void epsilon(int from, int to) {
        epsilons.get(from).add(to);
    }

    void accept(int s) {
        accept.set(s);
    }

    Piece place(Automaton a) {
        int base = transitions.size();
        int n = a.getNumStates();
        for (int i = 0; i < n; i++) {
            state();
        }
        int exit = state();
        Transition t = new Transition();
        for (int s = 0; s < n; s++) {
            int count = a.initTransition(s, t);
            int[] flat = new int[count * 3];
            for (int i = 0; i < count; i++) {
                a.getNextTransition(t);
                flat[3 * i] = t.min;
                flat[3 * i + 1] = t.max;
                flat[3 * i + 2] = base + t.dest;
            }
            transitions.set(base + s, flat);
            if (a.isAccept(s)) {
                epsilon(base + s, exit);
            }
        }
        if (n == 0) {
            // The empty language: an entry with no way out.
            int entry = state();
            return new Piece(entry, exit);
        }
        return new Piece(base, exit);
    }

    /** The automaton starting at start, epsilons removed. */
    Automaton finish(int start) {
        int n = transitions.size();
        Automaton.Builder b = new Automaton.Builder();
        // Lucene's initial state is 0: renumber so that start comes first.
        int[] id = new int[n];
        for (int s = 0; s < n; s++) {
            id[s] = s == start ? 0 : s < start ? s + 1 : s;
        }
        for (int s = 0; s < n; s++) {
            b.createState();
        }
        BitSet seen = new BitSet(n);
        Deque<Integer> work = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            seen.clear();
            work.push(s);
            seen.set(s);
            while (!work.isEmpty()) {
                int c = work.pop();
                if (accept.get(c)) {
                    b.setAccept(id[s], true);
                }
                int[] flat = transitions.get(c);
                for (int i = 0; i < flat.length; i += 3) {
                    b.addTransition(id[s], id[flat[i + 2]], flat[i], flat[i + 1]);
                }
                for (int e : epsilons.get(c)) {
                    if (!seen.get(e)) {
                        seen.set(e);
                        work.push(e);
                    }
                }
            }
        }
        return b.finish();
    }
}
