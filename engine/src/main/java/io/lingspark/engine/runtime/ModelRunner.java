package io.lingspark.engine.runtime;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.step.ForwardBatch;
import java.util.concurrent.CompletableFuture;

/**
 * Executes scheduled steps (nano-vllm's ModelRunner, vLLM's worker): a ForwardBatch through the
 * model, then token choice for the SamplingBatch. It owns the cache storage, sized by its
 * {@link #plan}; the scheduler owns which sequence holds which block ({@link KvCacheManager}). One
 * implementation runs the whole model in this JVM ({@link LocalModelRunner}); a pipeline runs each
 * layer range on its own stage and keeps several micro-batches in flight ({@link #maxInFlight}).
 */
public interface ModelRunner extends AutoCloseable {
    LingConfig config();

    /** How much cache every part of this runner holds: blocks and state slots (the smallest stage's). */
    MemoryPlan plan();

    /** Samples for sampling's rows, which follow the batch's logit rows in order. */
    StepResult execute(ForwardBatch batch, SamplingBatch sampling);

    /**
     * The same, without waiting: the result arrives when the step has passed every stage. Steps in
     * flight together hold disjoint sequences. The default runs the step now.
     */
    default CompletableFuture<StepResult> submit(ForwardBatch batch, SamplingBatch sampling) {
        try {
            return CompletableFuture.completedFuture(execute(batch, sampling));
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** How many steps may be in flight at once (a pipeline's stage count; 1 otherwise). */
    default int maxInFlight() {
        return 1;
    }

    /** The step's logits on the host, [logit rows, V] row-major (sessions, the logits command). */
    float[] forwardLogits(ForwardBatch batch, int[][] routing);

    /** Zeroes a state slot in every linear-attention layer (a sequence reset to length 0). */
    void resetState(int slot);

    /**
     * A sequence left for good (finished, aborted): a runner that keeps per-sequence state elsewhere
     * (a pipeline's last stage in another process keeps its sampling state) drops it.
     */
    default void release(long seqId) {
    }

    /** A host copy of a slot's recurrent state at decoder layer {@code layer} [heads, d, d] (tests). */
    float[] state(int slot, int layer);

    /** Vocabulary size of the logits. */
    default int vocabSize() {
        return config().vocabSize;
    }

    @Override
    void close();
}
