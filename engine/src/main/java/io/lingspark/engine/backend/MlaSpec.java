package io.lingspark.engine.backend;

/**
 * One MLA attention (§5.1): per head a query of nopeDim + ropeDim, keys [k_nope | k_rope] and values
 * vDim expanded from the cached kvLoraRank latent (plus the one shared rotated rope key). Scores are
 * multiplied by scale.
 */
public record MlaSpec(int heads, int nopeDim, int ropeDim, int vDim, int kvLoraRank, float scale) {
    /** Width of one cached latent row: kv_lora_rank normed c_kv then qk_rope_head_dim rotated k_rope. */
    public int latentWidth() {
        return kvLoraRank + ropeDim;
    }
}
