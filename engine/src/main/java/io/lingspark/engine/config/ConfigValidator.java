package io.lingspark.engine.config;

import io.lingspark.engine.config.LingConfig.Family;
import java.util.ArrayList;
import java.util.List;

/** Consistency checks on a configuration, all reported at once so a user fixes config.json in one pass. */
final class ConfigValidator {
    private ConfigValidator() {
    }

    static void validate(LingConfig c) {
        List<String> p = new ArrayList<>();
        positive(p, "vocab_size", c.vocabSize);
        positive(p, "hidden_size", c.hiddenSize);
        positive(p, "num_hidden_layers", c.numLayers);
        positive(p, "num_attention_heads", c.numHeads);
        positive(p, "num_key_value_heads", c.numKvHeads);
        positive(p, "head_dim", c.headDim);
        positive(p, "max_position_embeddings", c.maxPositionEmbeddings);
        if (c.firstKDenseReplace < 0 || c.firstKDenseReplace > c.numLayers) {
            p.add("first_k_dense_replace " + c.firstKDenseReplace + " outside [0, num_hidden_layers=" + c.numLayers + "]");
        }
        if (c.firstKDenseReplace > 0) {
            positive(p, "intermediate_size", c.intermediateSize);
        }
        if (c.numKvHeads > 0 && c.numHeads % c.numKvHeads != 0) {
            p.add("num_attention_heads " + c.numHeads + " is not divisible by num_key_value_heads " + c.numKvHeads);
        }
        if (c.ropeDim <= 0 || c.ropeDim % 2 != 0 || c.ropeDim > c.headDim) {
            p.add("rotary width " + c.ropeDim + " must be even and in (0, head_dim=" + c.headDim + "]");
        }
        if (!(c.rmsNormEps > 0)) {
            p.add("rms_norm_eps must be positive, got " + c.rmsNormEps);
        }
        if (!(c.ropeTheta > 0)) {
            p.add("rope_theta must be positive, got " + c.ropeTheta);
        }
        if (c.firstKDenseReplace < c.numLayers || c.numNextnPredictLayers > 0) {
            positive(p, "num_experts", c.numExperts);
            positive(p, "moe_intermediate_size", c.moeIntermediateSize);
            positive(p, "n_group", c.nGroup);
            if (c.numExperts > 0 && c.nGroup > 0 && c.numExperts % c.nGroup != 0) {
                p.add("num_experts " + c.numExperts + " is not divisible by n_group " + c.nGroup);
            }
            if (c.topkGroup <= 0 || c.topkGroup > c.nGroup) {
                p.add("topk_group " + c.topkGroup + " outside [1, n_group=" + c.nGroup + "]");
            }
            int perGroup = c.nGroup > 0 ? c.numExperts / c.nGroup : 0;
            if (perGroup > 0 && perGroup < 2) {
                p.add("n_group " + c.nGroup + " leaves fewer than 2 experts per group (the group score sums the top two)");
            }
            if (c.numExpertsPerTok <= 0 || c.numExpertsPerTok > c.topkGroup * Math.max(perGroup, 0)) {
                p.add("num_experts_per_tok " + c.numExpertsPerTok + " must be in [1, topk_group × experts per group = "
                        + c.topkGroup * perGroup + "]");
            }
            if (c.numSharedExperts < 0) {
                p.add("num_shared_experts must be >= 0, got " + c.numSharedExperts);
            }
        }
        if (c.eosTokenIds.length == 0) {
            p.add("no eos_token_id in config.json or generation_config.json");
        }
        if (c.ropeScaling != null && !(c.ropeScaling.factor() > 0 && c.ropeScaling.originalMaxPosition() > 0)) {
            p.add("rope_scaling factor and original_max_position_embeddings must be positive");
        }
        if (c.family == Family.V2_5) {
            positive(p, "layer_group_size", c.layerGroupSize);
            positive(p, "kv_lora_rank", c.kvLoraRank);
            positive(p, "qk_nope_head_dim", c.qkNopeHeadDim);
            positive(p, "qk_rope_head_dim", c.qkRopeHeadDim);
            positive(p, "v_head_dim", c.vHeadDim);
            positive(p, "group_norm_size", c.groupNormSize);
            if (c.groupNormSize > 0 && (c.numHeads * c.headDim) % c.groupNormSize != 0) {
                p.add("num_attention_heads × head_dim is not divisible by group_norm_size " + c.groupNormSize);
            }
            if (c.qLoraRank < 0) {
                p.add("q_lora_rank must be positive or null, got " + c.qLoraRank);
            }
            if (c.qkRopeHeadDim % 2 != 0) {
                p.add("qk_rope_head_dim " + c.qkRopeHeadDim + " must be even (rotary pairs)");
            }
            if (c.qkRopeHeadDim != c.ropeDim) {
                // Upstream builds the MLA rotary table from the same head_dim × partial_rotary_factor as the
                // linear layers and applies it to the qk_rope_head_dim lanes: the two must agree.
                p.add("qk_rope_head_dim " + c.qkRopeHeadDim + " != rotary width " + c.ropeDim
                        + " (head_dim × partial_rotary_factor); upstream shares one rotary table between them");
            }
            if (!c.ropeInterleave) {
                // The upstream MLA has only the interleaved path (its non-interleaved branch raises).
                p.add("rope_interleave false (upstream Ling 2.5 MLA only implements interleaved RoPE)");
            }
        }
        if (!p.isEmpty()) {
            throw new ModelLoadException("inconsistent config.json: " + String.join("; ", p));
        }
    }

    private static void positive(List<String> p, String key, int v) {
        if (v <= 0) {
            p.add(key + " must be positive, got " + v);
        }
    }
}
