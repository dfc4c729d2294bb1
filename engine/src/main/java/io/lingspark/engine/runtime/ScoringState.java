package io.lingspark.engine.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A scoring request in flight: groups of one context and the continuations scored after it (a
 * {@link ScoringRequest} is one group; a {@link RollingRequest} one group per window), what each of
 * its sequences scores, and the log-probabilities as they arrive. Its results are assembled by the
 * function the engine gives it ({@code R}: ScoringResult or RollingResult).
 *
 * <p>Continuation i of a group is read as context + continuation without its last token: the row at
 * position p predicts token p + 1. A group starts as one sequence, its lead (the context and the first
 * continuation), whose row at the context's last position scores the first token of every
 * continuation at once. When the lead has computed its context, the other continuations of more than
 * one token are spawned as sequences of their own that fork the lead's cache there and score their
 * remaining tokens ({@link ContextForks}); a one-token continuation needs no sequence at all.
 */
final class ScoringState<R> extends RequestState {
    final CompletableFuture<R> future = new CompletableFuture<>();
    final int[][] conts;          // [continuation] its token ids
    final double[][] logprobs;    // [continuation][token] (NaN until scored)
    final boolean[][] greedy;     // [continuation][token] the token is its row's argmax
    private final Function<ScoringState<R>, R> assemble;
    private final Errors<R> error;
    private final LongSupplier order;
    private final Set<Group> spawned = new HashSet<>(); // groups whose lead spawned (records of arrays: by identity)

    /** An error result. */
    interface Errors<R> {
        R of(ErrorCode code, String message, double totalMs);
    }

    /** One context and its continuations (indices into conts). */
    record Group(int[] context, int[] members) {
    }

    /**
     * What one scoring sequence scores: rows at positions from .. of context + continuation cont; a lead
     * (from = context − 1) scores every member's first token at its first row and spawns the others.
     */
    record ScoreTask(Group group, int cont, int from, boolean lead) {
        int contextLen() {
            return group.context().length;
        }
    }

    /**
     * @param groups   contexts and their continuations (continuation ids: conts)
     * @param assemble the result once every token is scored
     * @param error    an error result
     * @param order    admission order numbers for the sequences it creates
     */
    ScoringState(String id, List<Group> groups, int[][] conts, long submitNanos,
                 Function<ScoringState<R>, R> assemble, Errors<R> error, LongSupplier order) {
        super(id, SamplingParams.DEFAULT, submitNanos);
        this.conts = conts;
        this.logprobs = new double[conts.length][];
        this.greedy = new boolean[conts.length][];
        for (int i = 0; i < conts.length; i++) {
            logprobs[i] = new double[conts[i].length];
            Arrays.fill(logprobs[i], Double.NaN);
            greedy[i] = new boolean[conts[i].length];
        }
        this.assemble = assemble;
        this.error = error;
        this.order = order;
        for (Group g : groups) {
            choices.add(sequence(g, g.members()[0], true));
        }
    }

    /** A ScoringRequest's state: one group, the context and every continuation. */
    static ScoringState<ScoringResult> loglikelihood(String id, ScoringInputs.Pair p, boolean perToken, long t0, LongSupplier order) {
        int[] members = new int[p.continuations().length];
        Arrays.setAll(members, i -> i);
        return new ScoringState<>(id, List.of(new Group(p.context(), members)), p.continuations(), t0, st -> {
            List<ScoringResult.ContinuationScore> out = new ArrayList<>();
            for (int i = 0; i < st.conts.length; i++) {
                out.add(new ScoringResult.ContinuationScore(i, st.sum(i), st.conts[i].length, st.allGreedy(i), st.conts[i].clone(),
                    perToken ? st.logprobs[i].clone() : null));
            }
            return new ScoringResult(id, List.copyOf(out), p.context().length, st.cachedTokens(), null, null, st.elapsedMs());
        }, (code, msg, ms) -> ScoringResult.error(id, code, msg, ms), order);
    }

    /** A RollingRequest's state: a group per window, its predictions the window's one continuation. */
    static ScoringState<RollingResult> rolling(String id, ScoringInputs.Windows w, boolean perToken, long t0, LongSupplier order) {
        List<Group> groups = new ArrayList<>();
        int[][] conts = new int[w.windows().size()][];
        for (int i = 0; i < conts.length; i++) {
            conts[i] = w.windows().get(i).continuations()[0];
            groups.add(new Group(w.windows().get(i).context(), new int[] {i}));
        }
        return new ScoringState<>(id, groups, conts, t0, st -> {
            double sum = 0;
            boolean greedy = true;
            double[] each = perToken ? new double[w.tokens()] : null;
            for (int i = 0, at = 0; i < conts.length; at += conts[i].length, i++) {
                sum += st.sum(i);
                greedy &= st.allGreedy(i);
                if (each != null) {
                    System.arraycopy(st.logprobs[i], 0, each, at, conts[i].length);
                }
            }
            return new RollingResult(id, sum, w.tokens(), conts.length, greedy, each, null, null, st.elapsedMs());
        }, (code, msg, ms) -> RollingResult.error(id, code, msg, ms), order);
    }

    private Sequence sequence(Group g, int cont, boolean lead) {
        int c = g.context().length;
        int[] tokens = Arrays.copyOf(g.context(), c + conts[cont].length - 1);
        System.arraycopy(conts[cont], 0, tokens, c, conts[cont].length - 1);
        return new Sequence(this, choices.size(), order.getAsLong(), tokens, new ScoreTask(g, cont, lead ? c - 1 : c, lead));
    }

    /** A lead whose context is computed spawns the group's other continuations of more than one token (once). */
    List<Sequence> spawn(Sequence lead) {
        List<Sequence> out = new ArrayList<>();
        for (int m : lead.score.group().members()) {
            if (m != lead.score.cont() && conts[m].length > 1) {
                Sequence s = sequence(lead.score.group(), m, false);
                choices.add(s);
                out.add(s);
            }
        }
        return out;
    }

    /** True the first time for a group's lead (its continuations are spawned once). */
    boolean markSpawned(Sequence lead) {
        return spawned.add(lead.score.group());
    }

    /** Whether the lead still has continuations to spawn at the end of its context. */
    boolean spawns(Sequence s) {
        if (!s.score.lead() || s.numComputed >= s.score.contextLen()) {
            return false;
        }
        for (int m : s.score.group().members()) {
            if (m != s.score.cont() && conts[m].length > 1) {
                return true;
            }
        }
        return false;
    }

    /** The token ids whose log-probabilities the row at position p of s gives. */
    static int[] targets(Sequence s, int p) {
        ScoreTask t = s.score;
        ScoringState<?> st = (ScoringState<?>) s.request;
        int[] members = t.group().members();
        if (t.lead() && p == t.contextLen() - 1) {
            int[] ids = new int[members.length];
            for (int i = 0; i < members.length; i++) {
                ids[i] = st.conts[members[i]][0];
            }
            return ids;
        }
        return new int[] {st.conts[t.cont()][p - t.contextLen() + 1]};
    }

    /** Records the score of the row at position p of s (in the order of its targets). */
    void record(Sequence s, int p, StepResult.Score score) {
        ScoreTask t = s.score;
        if (t.lead() && p == t.contextLen() - 1) {
            int[] members = t.group().members();
            for (int i = 0; i < members.length; i++) {
                set(members[i], 0, score.logprobs()[i], score.argmax());
            }
        } else {
            set(t.cont(), p - t.contextLen() + 1, score.logprobs()[0], score.argmax());
        }
    }

    private void set(int cont, int token, double logprob, int argmax) {
        logprobs[cont][token] = logprob;
        greedy[cont][token] = argmax == conts[cont][token];
    }

    /** Scored rows of s in a chunk of n tokens from its numComputed on. */
    static int scoredRows(Sequence s, int n) {
        return Math.max(0, s.numComputed + n - Math.max(s.numComputed, s.score.from()));
    }

    @Override
    boolean answered() {
        return future.isDone();
    }

    @Override
    void fail(ErrorCode code, String message) {
        future.complete(error.of(code, message, elapsedMs()));
    }

    @Override
    void complete() {
        future.complete(assemble.apply(this));
    }

    /** Continuation i's log-probability (the sum of its tokens', in double). */
    double sum(int i) {
        double s = 0;
        for (double lp : logprobs[i]) {
            s += lp;
        }
        return s;
    }

    boolean allGreedy(int i) {
        for (boolean g : greedy[i]) {
            if (!g) {
                return false;
            }
        }
        return true;
    }

    /** Tokens its sequences took from the cache (prefix hits and forks). */
    int cachedTokens() {
        return choices.stream().mapToInt(s -> s.cachedTokens).sum();
    }

    double elapsedMs() {
        return ms(System.nanoTime() - submitNanos);
    }
}
