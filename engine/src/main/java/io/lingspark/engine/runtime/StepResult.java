package io.lingspark.engine.runtime;

/**
 * What a model runner gives back for a step: one sample per row of the SamplingBatch (token ids, and
 * logprobs where asked). Only these cross from the device to the host when the device samples.
 */
public record StepResult(Sampler.Sample[] samples) {
}
