package io.lingspark.engine.runtime;

/**
 * What a model runner gives back for a step: one sample per sampling row of the SamplingBatch (token
 * ids, and logprobs where asked), and one score per scored row. Only these cross from the device to
 * the host when the device samples, and from a pipeline's last stage to the scheduler.
 */
public record StepResult(Sampler.Sample[] samples, Score[] scores) {
    private static final Score[] NO_SCORES = new Score[0];

    public StepResult(Sampler.Sample[] samples) {
        this(samples, NO_SCORES);
    }

    /**
     * One scored row: its argmax (the lowest id on ties, as torch.argmax) and the log-softmax of the
     * row at each of its target ids.
     */
    public record Score(int argmax, double[] logprobs) {
    }
}
