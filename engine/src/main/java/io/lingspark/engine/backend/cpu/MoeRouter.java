package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.MoeSpec;

/**
 * Ling's expert selection for one token (§2.4, MoE steps 2–5), in fp32 exactly as the reference:
 * sigmoid scores; the expert bias shifts scores for choosing only; groups ranked by the sum of
 * their two best biased scores; top-k within the kept groups; combine weights from the unbiased
 * scores, normalised over the chosen k and multiplied by routed_scaling_factor.
 */
public final class MoeRouter {
    private MoeRouter() {
    }

    /**
     * @param logits   router logits z [E] (fp32 matmul of the normed hidden state)
     * @param bias     expert bias [E] (fp32), or null
     * @param experts  out: chosen expert ids [k], by descending biased score
     * @param weights  out: their combine weights [k]
     */
    public static void route(float[] logits, int off, float[] bias, MoeSpec c, int[] experts, float[] weights) {
        int e = c.experts();
        int k = c.topK();
        int groups = c.groups();
        int per = e / groups;
        float[] s = new float[e];
        float[] sel = new float[e];
        for (int i = 0; i < e; i++) {
            s[i] = (float) (1.0 / (1.0 + Math.exp(-logits[off + i])));
            sel[i] = bias != null ? s[i] + bias[i] : s[i];
        }
        // Group score: sum of the two largest biased scores in the group.
        float[] groupScore = new float[groups];
        for (int g = 0; g < groups; g++) {
            float a = Float.NEGATIVE_INFINITY;
            float b = Float.NEGATIVE_INFINITY;
            for (int i = g * per; i < (g + 1) * per; i++) {
                float v = sel[i];
                if (v > a) {
                    b = a;
                    a = v;
                } else if (v > b) {
                    b = v;
                }
            }
            groupScore[g] = a + b;
        }
        boolean[] keep = new boolean[groups];
        for (int j = 0; j < c.topkGroup(); j++) {
            int best = -1;
            for (int g = 0; g < groups; g++) {
                if (!keep[g] && (best < 0 || groupScore[g] > groupScore[best])) {
                    best = g;
                }
            }
            keep[best] = true;
        }
        boolean[] taken = new boolean[e];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int i = 0; i < e; i++) {
                if (!taken[i] && keep[i / per] && (best < 0 || sel[i] > sel[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            experts[j] = best;
        }
        // HF normalises in fp32: w / (Σ w + 1e-20), then × routed_scaling_factor.
        float denom = 0;
        for (int j = 0; j < k; j++) {
            denom += s[experts[j]];
        }
        denom += 1e-20f;
        for (int j = 0; j < k; j++) {
            weights[j] = k > 1 ? s[experts[j]] / denom * c.routedScale()
                    : s[experts[j]] * c.routedScale();
        }
    }
}
