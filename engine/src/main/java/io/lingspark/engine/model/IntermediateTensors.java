package io.lingspark.engine.model;

import io.lingspark.engine.backend.Tensor;

/**
 * What flows between layer ranges (vLLM's IntermediateTensors): the residual stream [T, H], fp32.
 * A pipeline stage receives it from the stage before and hands it to the next.
 */
public record IntermediateTensors(Tensor hidden) {
}
