package io.lingspark.engine.backend;

/**
 * One routed-experts block (§2.4 MoE steps 1–7): experts E, topK chosen per token from topkGroup of
 * groups expert groups, combine weights × routedScale; each expert a SwiGLU of width intermediate.
 */
public record MoeSpec(int experts, int topK, int groups, int topkGroup, float routedScale, int intermediate) {
    public MoeSpec {
        if (experts <= 0 || groups <= 0 || experts % groups != 0 || topK <= 0 || topK > experts || topkGroup > groups) {
            throw new IllegalArgumentException("MoE: " + experts + " experts, top " + topK + ", " + groups + " groups keep " + topkGroup);
        }
    }
}
