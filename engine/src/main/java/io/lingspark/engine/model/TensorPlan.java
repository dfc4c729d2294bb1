package io.lingspark.engine.model;

import io.lingspark.engine.config.LingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every tensor a Ling 2.0 checkpoint must hold, with its shape (§2.3). The loader checks the whole
 * plan against the checkpoint before reading any weight, so a wrong or incomplete directory fails in
 * seconds with the tensor's name, not halfway through a load.
 */
public final class TensorPlan {
    /** Names of the weights that native FP8 checkpoints store as e4m3 + _scale_inv (§6.1). */
    public final Map<String, long[]> shapes = new LinkedHashMap<>();
    public final List<String> quantizable = new ArrayList<>();

    public static String layer(int l) {
        return "model.layers." + l + ".";
    }

    public static TensorPlan of(LingConfig c) {
        TensorPlan p = new TensorPlan();
        long h = c.hiddenSize;
        long d = c.headDim;
        long m = c.moeIntermediateSize;
        p.put("model.word_embeddings.weight", false, c.vocabSize, h);
        p.put("model.norm.weight", false, h);
        if (!c.tieWordEmbeddings) {
            p.put("lm_head.weight", false, c.vocabSize, h);
        }
        for (int l = 0; l < c.numLayers; l++) {
            String pre = layer(l);
            p.put(pre + "input_layernorm.weight", false, h);
            p.put(pre + "post_attention_layernorm.weight", false, h);
            if (c.family == LingConfig.Family.V2) {
                p.put(pre + "attention.query_key_value.weight", true, c.qkvWidth(), h);
                if (c.useQkNorm) {
                    p.put(pre + "attention.query_layernorm.weight", false, d);
                    p.put(pre + "attention.key_layernorm.weight", false, d);
                }
                p.put(pre + "attention.dense.weight", true, h, (long) c.numHeads * d);
            }
            if (!c.isMoeLayer(l)) {
                p.put(pre + "mlp.gate_proj.weight", true, c.intermediateSize, h);
                p.put(pre + "mlp.up_proj.weight", true, c.intermediateSize, h);
                p.put(pre + "mlp.down_proj.weight", true, h, c.intermediateSize);
            } else {
                p.put(pre + "mlp.gate.weight", false, c.numExperts, h);
                for (int e = 0; e < c.numExperts; e++) {
                    String ex = pre + "mlp.experts." + e + ".";
                    p.put(ex + "gate_proj.weight", true, m, h);
                    p.put(ex + "up_proj.weight", true, m, h);
                    p.put(ex + "down_proj.weight", true, h, m);
                }
                if (c.numSharedExperts > 0) {
                    long s = c.sharedExpertWidth();
                    p.put(pre + "mlp.shared_experts.gate_proj.weight", true, s, h);
                    p.put(pre + "mlp.shared_experts.up_proj.weight", true, s, h);
                    p.put(pre + "mlp.shared_experts.down_proj.weight", true, h, s);
                }
            }
        }
        return p;
    }

    public void put(String name, boolean quant, long... shape) {
        shapes.put(name, shape);
        if (quant) {
            quantizable.add(name);
        }
    }

    /** The expert-bias tensor of a MoE layer, under either accepted name, or null when absent (zeros). */
    public static String[] expertBiasNames(int l) {
        return new String[] {layer(l) + "mlp.gate.expert_bias", layer(l) + "mlp.gate.e_score_correction_bias"};
    }
}
