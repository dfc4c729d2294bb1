package io.lingspark.engine.config;

/**
 * Exact parameter counts of a Ling 2.0 configuration (§2.2). The loader compares the count computed
 * from the checkpoint's own tensor shapes with this one, which catches a checkpoint that does not
 * belong to its config.json before any weight is used.
 */
public final class ParameterCount {
    private ParameterCount() {
    }

    /** Per-layer attention parameters: QKV, output projection, QK norms, the two layer norms. */
    public static long attention(LingConfig c) {
        long h = c.hiddenSize;
        long d = c.headDim;
        return (long) (c.numHeads + 2 * c.numKvHeads) * d * h + (long) c.numHeads * d * h
                + (c.useQkNorm ? 2 * d : 0) + 2 * h;
    }

    public static long denseMlp(LingConfig c) {
        return 3L * c.hiddenSize * c.intermediateSize;
    }

    public static long moe(LingConfig c) {
        long h = c.hiddenSize;
        long m = c.moeIntermediateSize;
        long e = c.numExperts;
        return e * 3 * h * m + 3 * h * c.sharedExpertWidth() + e * h + e;
    }

    /** Total parameters without MTP layers (what a chat checkpoint holds). */
    public static long total(LingConfig c) {
        long head = c.tieWordEmbeddings ? 1 : 2;
        long dense = Math.min(c.firstKDenseReplace, c.numLayers);
        return head * c.vocabSize * (long) c.hiddenSize + c.numLayers * attention(c) + dense * denseMlp(c)
                + (c.numLayers - dense) * moe(c) + c.hiddenSize;
    }

    /** One MTP layer: enorm, hnorm, eh_proj, a full attention block, an MoE MLP, its final norm. */
    public static long mtpLayer(LingConfig c) {
        long h = c.hiddenSize;
        return 2 * h + 2 * h * h + attention(c) + moe(c) + h;
    }

    /** Parameters touched per token: attention, dense MLPs, k routed + shared experts, router, head. */
    public static long activePerToken(LingConfig c) {
        long h = c.hiddenSize;
        long dense = Math.min(c.firstKDenseReplace, c.numLayers);
        long moeActive = (long) c.numExpertsPerTok * 3 * h * c.moeIntermediateSize + 3 * h * c.sharedExpertWidth()
                + (long) c.numExperts * h + c.numExperts;
        return 2L * c.vocabSize * h + c.numLayers * attention(c) + dense * denseMlp(c)
                + (c.numLayers - dense) * moeActive + h;
    }
}
