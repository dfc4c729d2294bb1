package io.lingspark.engine.model;

/**
 * Result of one batched step.
 *
 * @param logits  per input: [V] for its last token, or [n·V] row-major when it asked for all positions
 * @param routing per MoE layer (in layer order): chosen expert ids [T·k] for the step's T tokens, or null
 */
public record StepOutput(float[][] logits, int[][] routing) {
}
