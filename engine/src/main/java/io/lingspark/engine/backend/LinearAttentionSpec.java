package io.lingspark.engine.backend;

/**
 * One Lightning linear attention (§5.1): heads of headDim with a constant per-head log-decay
 * (λ_h = exp(logDecay[h])) and an fp32 recurrent state [heads, headDim, headDim] per sequence.
 */
public record LinearAttentionSpec(int heads, int headDim, float[] logDecay) {
    /** Floats of one sequence's state for this layer. */
    public int stateWidth() {
        return heads * headDim * headDim;
    }
}
