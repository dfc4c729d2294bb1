package io.lingspark.engine.transport;

import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.step.ForwardBatch;
import java.util.List;

/**
 * A micro-batch as it crosses a link: the step (sequences, positions, chunk lengths, block tables,
 * state slots), the hidden rows the previous stage produced, what the last stage needs to sample
 * each sequence that wants a token, and the cache operations that go with it.
 *
 * @param sample     the last stage samples (true) or returns the logits rows (false)
 * @param batch      the step as plain data
 * @param hidden     the residual stream after the sender's layers [T, H] fp32, or null (none yet)
 * @param sampling     per sequence with LAST logits, in batch order: its sampling inputs
 * @param resetSlots   state slots to zero before this step (a new sequence took them)
 * @param released     sequences gone for good after this step (their sampling state is dropped)
 * @param scoreTargets per scored row (the batch's score rows, in order): the ids whose log-probabilities it gives
 */
public record StepMessage(boolean sample, ForwardBatch batch, float[] hidden, List<SampleInfo> sampling, int[] resetSlots,
                          long[] released, List<int[]> scoreTargets) {
    /**
     * What the last stage samples one sequence with. The constant part (params, seed, blocked ids,
     * prompt length) comes with the sequence's first sampled step only (params != null); after that
     * only the counters and the history the last stage has not seen yet.
     *
     * @param generated   tokens drawn so far (this draw's index)
     * @param length      valid history entries (prompt + kept generated tokens)
     * @param historyFrom where historyTail starts in the history
     * @param historyTail history[historyFrom .. length)
     */
    public record SampleInfo(long seqId, int generated, int length, int historyFrom, int[] historyTail,
                             SamplingParams params, long seed, int[] blocked, int promptLen, long[] allowed) {
    }
}
