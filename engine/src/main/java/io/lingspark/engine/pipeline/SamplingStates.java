package io.lingspark.engine.pipeline;

import io.lingspark.engine.runtime.Sampler;
import io.lingspark.engine.runtime.SamplingBatch;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.transport.StepMessage.SampleInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the last rank of a pipeline across processes keeps per sequence to sample it: the constant
 * inputs (parameters, seed, ids blocked under min_tokens, prompt length), sent once, and the history
 * penalties read, grown by the tails each step brings. Rank 0 sends only what this side lacks
 * ({@link Deltas}), so a decode step costs a few ints per sequence, not its whole history.
 * Used from one thread (the rank's reader).
 */
final class SamplingStates {
    private static final class State {
        final SamplingParams params;
        final long seed;
        final int[] blocked;
        final int promptLen;
        int[] history = new int[16];

        State(SampleInfo s) {
            params = s.params();
            seed = s.seed();
            blocked = s.blocked() == null ? new int[0] : s.blocked();
            promptLen = s.promptLen();
        }
    }

    private final Map<Long, State> states = new HashMap<>();

    /** The step's sampling rows, after applying the history tails it carries. */
    SamplingBatch rows(List<SampleInfo> infos) {
        List<Sampler.Row> rows = new ArrayList<>(infos.size());
        for (SampleInfo s : infos) {
            State st = states.get(s.seqId());
            if (s.params() != null) {
                st = new State(s);
                states.put(s.seqId(), st);
            }
            if (st == null) {
                throw new IllegalStateException("pipeline: no sampling state for sequence " + s.seqId()
                    + " (its first step never reached the last stage)");
            }
            int[] tail = s.historyTail();
            if (st.history.length < s.length()) {
                st.history = Arrays.copyOf(st.history, Math.max(s.length(), 2 * st.history.length));
            }
            System.arraycopy(tail, 0, st.history, s.historyFrom(), tail.length);
            rows.add(new Sampler.Row(st.params, st.seed, s.generated(), st.blocked, st.history, st.promptLen, s.length(),
                s.allowed()));
        }
        return new SamplingBatch(rows);
    }

    void release(long[] ids) {
        for (long id : ids) {
            states.remove(id);
        }
    }

    int size() {
        return states.size();
    }

    /**
     * Rank 0's side: how much of each sequence's history the last rank has, so each step sends only
     * the new part. Touched by the thread that sends steps (the last local stage's), in step order.
     */
    static final class Deltas {
        private final Map<Long, Integer> sent = new java.util.concurrent.ConcurrentHashMap<>();

        List<SampleInfo> infos(io.lingspark.engine.step.ForwardBatch batch, SamplingBatch sampling) {
            List<SampleInfo> out = new ArrayList<>(sampling.size());
            int k = 0;
            for (io.lingspark.engine.step.ForwardBatch.Seq seq : batch.seqs()) {
                if (seq.logits() != io.lingspark.engine.step.ForwardBatch.Logits.LAST) {
                    continue;
                }
                Sampler.Row r = sampling.rows().get(k++);
                Integer known = sent.get(seq.seqId());
                int from = known == null || known > r.length() ? 0 : known;
                int[] tail = Arrays.copyOfRange(r.history(), from, r.length());
                out.add(known == null
                    ? new SampleInfo(seq.seqId(), r.generated(), r.length(), 0, tail, r.params(), r.seed(), r.blocked(), r.promptLen(),
                        r.allowed())
                    : new SampleInfo(seq.seqId(), r.generated(), r.length(), from, tail, null, 0, null, 0, r.allowed()));
                sent.put(seq.seqId(), r.length());
            }
            return out;
        }

        void forget(long id) {
            sent.remove(id);
        }
    }
}
