package io.lingspark.engine.model;

import io.lingspark.engine.config.LingConfig;

/**
 * What one sequence's cache costs, as the scheduler projects it before a step writes it: a part that
 * grows with every token (K and V of softmax-attention layers; the compressed MLA latent of Ling 2.5)
 * and a fixed part (the fp32 recurrent state [heads, d, d] of each Lightning linear-attention layer,
 * the same size at 1 token or 100 000). fp32 throughout, as the CPU caches hold it.
 */
public record CacheFootprint(long fixedBytes, long bytesPerToken) {
    public static CacheFootprint of(LingConfig c) {
        if (c.family == LingConfig.Family.V2) {
            return new CacheFootprint(0, 2L * c.numLayers * c.numKvHeads * c.headDim * Float.BYTES);
        }
        long mla = c.layerCount(LingConfig.LayerKind.MLA);
        long linear = c.layerCount(LingConfig.LayerKind.LINEAR);
        return new CacheFootprint(linear * c.numHeads * c.headDim * c.headDim * Float.BYTES,
            mla * (c.kvLoraRank + c.qkRopeHeadDim) * Float.BYTES);
    }

    /** Bytes of a cache holding tokens tokens. */
    public long bytes(long tokens) {
        return fixedBytes + tokens * bytesPerToken;
    }
}
