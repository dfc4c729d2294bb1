package io.lingspark.engine.model;

import io.lingspark.engine.config.LingConfig;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every tensor a Ling 2.0 (§2.3) or Ling 2.5 (§5.1) checkpoint must hold, with its shape. The loader checks the whole
 * plan against the checkpoint before reading any weight, so a wrong or incomplete directory fails in
 * seconds with the tensor's name, not halfway through a load.
 */
public final class TensorPlan {
    /** Names of the weights that native FP8 checkpoints store as e4m3 + _scale_inv (§6.1). */
    public final Map<String, long[]> shapes = new LinkedHashMap<>();
    // a set: Ling-1T has ~61,000 quantizable tensors, and a list's contains() made checks quadratic
    public final Set<String> quantizable = new HashSet<>();

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
            } else if (c.layerKind(l) == LingConfig.LayerKind.LINEAR) {
                linearAttention(p, c, pre);
            } else {
                mla(p, c, pre);
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

    /**
     * A lower bound of how many tensors {@link #of} plans, computed without building the plan: two
     * norms and at least two attention tensors per layer, and its MLP (three dense weights, or a router
     * and three weights per expert), plus the embedding and the final norm.
     */
    public static long minimumSize(LingConfig c) {
        long n = 2;
        for (int l = 0; l < c.numLayers; l++) {
            n += 4 + (c.isMoeLayer(l) ? 3L * c.numExperts + 1 : 3);
        }
        return n;
    }

    /**
     * Refuses a config.json that plans more tensors than the checkpoint declares, before the plan is
     * built: num_hidden_layers 1,000,000,000 must fail in milliseconds, not after a billion entries.
     */
    public static void checkAgainst(LingConfig c, int declaredTensors) {
        long min = minimumSize(c);
        if (min > declaredTensors) {
            throw new io.lingspark.engine.config.ModelLoadException(String.format(java.util.Locale.ROOT,
                "config.json (num_hidden_layers %d, num_experts %d) describes at least %,d tensors but the checkpoint holds %,d: "
                    + "config.json does not belong to these weights", c.numLayers, c.numExperts, min, declaredTensors));
        }
    }

    /** Lightning linear attention (§5.1): fused MHA QKV, QK-norm, gate g_proj, GroupRMSNorm g_norm, dense. */
    private static void linearAttention(TensorPlan p, LingConfig c, String pre) {
        long h = c.hiddenSize;
        long inner = (long) c.numHeads * c.headDim;
        p.put(pre + "attention.query_key_value.weight", true, 3 * inner, h);
        if (c.useQkNorm) {
            p.put(pre + "attention.query_layernorm.weight", false, c.headDim);
            p.put(pre + "attention.key_layernorm.weight", false, c.headDim);
        }
        p.put(pre + "attention.g_proj.weight", true, inner, h);
        p.put(pre + "attention.g_norm.weight", false, inner);
        p.put(pre + "attention.dense.weight", true, h, inner);
    }

    /** MLA (§5.1): low-rank q (or q_proj), compressed kv with the shared rope key, kv_b_proj, dense. */
    private static void mla(TensorPlan p, LingConfig c, String pre) {
        long h = c.hiddenSize;
        long qOut = (long) c.numHeads * c.qkHeadDim();
        if (c.qLoraRank > 0) {
            p.put(pre + "attention.q_a_proj.weight", true, c.qLoraRank, h);
            p.put(pre + "attention.q_a_layernorm.weight", false, c.qLoraRank);
            p.put(pre + "attention.q_b_proj.weight", true, qOut, c.qLoraRank);
        } else {
            p.put(pre + "attention.q_proj.weight", true, qOut, h);
        }
        p.put(pre + "attention.kv_a_proj_with_mqa.weight", true, c.kvLoraRank + c.qkRopeHeadDim, h);
        p.put(pre + "attention.kv_a_layernorm.weight", false, c.kvLoraRank);
        p.put(pre + "attention.kv_b_proj.weight", true, (long) c.numHeads * (c.qkNopeHeadDim + c.vHeadDim), c.kvLoraRank);
        p.put(pre + "attention.dense.weight", true, h, (long) c.numHeads * c.vHeadDim);
    }

    /**
     * Whether a tensor belongs to the MTP (multi-token prediction) layer: {@code model.mtp.*} or layer
     * num_hidden_layers. The engine recognises these and leaves them unused (HF runs MTP only in training).
     */
    public static boolean isMtp(String name, LingConfig c) {
        return name.startsWith("model.mtp.") || name.startsWith(layer(c.numLayers));
    }

    /** The plan restricted to the tensors a slice reads. */
    public TensorPlan restrict(java.util.function.Predicate<String> keep) {
        TensorPlan p = new TensorPlan();
        shapes.forEach((name, shape) -> {
            if (keep.test(name)) {
                p.put(name, quantizable.contains(name), shape);
            }
        });
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
