package io.lingspark.engine.backend;

/**
 * One GQA attention (§2.4 steps 5–6): query head j reads kv head ⌊j / (heads/kvHeads)⌋; scores are
 * multiplied by scale (1/√headDim).
 */
public record AttentionSpec(int heads, int kvHeads, int headDim, float scale) {
    public AttentionSpec {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || headDim <= 0) {
            throw new IllegalArgumentException("attention heads " + heads + " / kv heads " + kvHeads + " / head dim " + headDim);
        }
    }

    /** Width of one token's K (or V) row: kvHeads · headDim. */
    public int kvWidth() {
        return kvHeads * headDim;
    }
}
