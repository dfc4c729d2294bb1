package io.lingspark.engine.config;

/**
 * Exact parameter counts of a Ling 2.0 (§2.2) or Ling 2.5 (§5.1) configuration. The loader compares the count computed
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

    /** Attention parameters of layer l, by its kind (GQA, Lightning linear, MLA), plus its two layer norms. */
    public static long attention(LingConfig c, int layer) {
        return switch (c.layerKind(layer)) {
            case GQA -> attention(c);
            case LINEAR -> linearAttention(c);
            case MLA -> mla(c);
        };
    }

    /** Lightning layer: QKV 3·nh·d·H, QK norms, g_proj, g_norm, dense, two layer norms. */
    public static long linearAttention(LingConfig c) {
        long h = c.hiddenSize;
        long inner = (long) c.numHeads * c.headDim;
        return 3 * inner * h + (c.useQkNorm ? 2L * c.headDim : 0) + inner * h + inner + h * inner + 2 * h;
    }

    /** MLA layer: q (low-rank or q_proj), kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, dense, two layer norms. */
    public static long mla(LingConfig c) {
        long h = c.hiddenSize;
        long qOut = (long) c.numHeads * c.qkHeadDim();
        long q = c.qLoraRank > 0 ? (long) c.qLoraRank * h + c.qLoraRank + qOut * c.qLoraRank : qOut * h;
        long kv = (long) (c.kvLoraRank + c.qkRopeHeadDim) * h + c.kvLoraRank
                + (long) c.numHeads * (c.qkNopeHeadDim + c.vHeadDim) * c.kvLoraRank;
        return q + kv + h * c.numHeads * c.vHeadDim + 2 * h;
    }

    private static long allAttention(LingConfig c) {
        long n = 0;
        for (int l = 0; l < c.numLayers; l++) {
            n += attention(c, l);
        }
        return n;
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
        return head * c.vocabSize * (long) c.hiddenSize + allAttention(c) + dense * denseMlp(c)
                + (c.numLayers - dense) * moe(c) + c.hiddenSize;
    }

    /** One MTP layer: enorm, hnorm, eh_proj, a full attention block (MLA in 2.5), an MoE MLP, its final norm. */
    public static long mtpLayer(LingConfig c) {
        long h = c.hiddenSize;
        long attn = c.family == LingConfig.Family.V2 ? attention(c) : mla(c);
        return 2 * h + 2 * h * h + attn + moe(c) + h;
    }

    /** MoE parameters one token touches: its k routed experts, the shared experts, the router and its bias. */
    public static long moeActive(LingConfig c) {
        long h = c.hiddenSize;
        return (long) c.numExpertsPerTok * 3 * h * c.moeIntermediateSize + 3 * h * c.sharedExpertWidth()
                + (long) c.numExperts * h + c.numExperts;
    }

    /** Parameters of layer l one token touches: its attention and its dense MLP or active MoE part. */
    public static long activeInLayer(LingConfig c, int layer) {
        return attention(c, layer) + (c.isMoeLayer(layer) ? moeActive(c) : denseMlp(c));
    }

    /** Parameters touched per token: attention, dense MLPs, k routed + shared experts, router, head. */
    public static long activePerToken(LingConfig c) {
        long n = 2L * c.vocabSize * c.hiddenSize + c.hiddenSize;
        for (int l = 0; l < c.numLayers; l++) {
            n += activeInLayer(c, l);
        }
        return n;
    }
}
