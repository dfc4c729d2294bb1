package io.lingspark.engine.runtime;

import io.lingspark.engine.step.ForwardBatch;

/**
 * Executes one scheduled step (nano-vllm's ModelRunner, vLLM's worker): the ForwardBatch through the
 * model, then token choice for the SamplingBatch. It owns the cache storage; the scheduler owns which
 * sequence holds which block ({@link KvCacheManager}). One implementation runs the whole model in
 * this JVM ({@link LocalModelRunner}); pipeline stages will run a range each.
 */
public interface ModelRunner extends AutoCloseable {
    /** Samples for sampling's rows, which follow the batch's logit rows in order. */
    StepResult execute(ForwardBatch batch, SamplingBatch sampling);

    /** Vocabulary size of the logits. */
    int vocabSize();

    @Override
    void close();
}
