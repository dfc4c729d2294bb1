package io.lingspark.engine.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * A request in flight as the scheduler sees it, whatever it asks for ({@link GenerationState},
 * {@link ScoringState}): its sequences, whether it has been answered, and how it ends.
 */
abstract class RequestState {
    final String id;
    final SamplingParams params;   // what its sequences sample with (scoring samples nothing: the defaults)
    final long submitNanos;
    final List<Sequence> choices = new ArrayList<>(); // its sequences (a scoring request adds some as it runs)
    private int done;

    RequestState(String id, SamplingParams params, long submitNanos) {
        this.id = id;
        this.params = params;
        this.submitNanos = submitNanos;
    }

    /** Called when one of its sequences finished; true once every one has. */
    boolean choiceDone() {
        return ++done == choices.size();
    }

    /** Its future is done: answered, failed, or cancelled by the caller (its sequences then leave the batch). */
    abstract boolean answered();

    /** Completes it with a typed error (no-op when already answered). */
    abstract void fail(ErrorCode code, String message);

    /** Every sequence finished: assembles the answer and completes the future. */
    abstract void complete();

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
