package io.lingspark.engine.config;

import io.lingspark.engine.config.LingConfig.Family;
import java.util.ArrayList;
import java.util.List;

/**
 * Consistency checks on a configuration, all reported at once so a user fixes config.json in one pass.
 * Every size has an upper bound as well: config.json is untrusted input, and a size decides how much
 * the loader plans and allocates before the checkpoint's tensors can contradict it. The bounds are
 * several times the largest Ling (Ling-1T: hidden 8,192, 80 layers, 64 heads of 128, 256 experts,
 * vocabulary 157,184, context 131,072).
 */
final class ConfigValidator {
    static final int MAX_VOCAB = 1 << 20;
    static final int MAX_HIDDEN = 65_536;
    static final int MAX_INTERMEDIATE = 1 << 20;
    static final int MAX_LAYERS = 1024;
    static final int MAX_HEADS = 1024;
    static final int MAX_HEAD_DIM = 1024;
    static final int MAX_POSITIONS = 1 << 24;
    static final int MAX_EXPERTS = 16_384;
    static final int MAX_SHARED_EXPERTS = 64;
    static final int MAX_MTP_LAYERS = 16;
    static final int MAX_LORA_RANK = 65_536;

    private ConfigValidator() {
    }

    static void validate(LingConfig c) {
        List<String> p = new ArrayList<>();
        range(p, "vocab_size", c.vocabSize, 1, MAX_VOCAB);
        range(p, "hidden_size", c.hiddenSize, 1, MAX_HIDDEN);
        range(p, "num_hidden_layers", c.numLayers, 1, MAX_LAYERS);
        range(p, "num_attention_heads", c.numHeads, 1, MAX_HEADS);
        range(p, "num_key_value_heads", c.numKvHeads, 1, MAX_HEADS);
        range(p, "head_dim", c.headDim, 1, MAX_HEAD_DIM);
        range(p, "max_position_embeddings", c.maxPositionEmbeddings, 1, MAX_POSITIONS);
        range(p, "intermediate_size", c.intermediateSize, c.firstKDenseReplace > 0 ? 1 : 0, MAX_INTERMEDIATE);
        range(p, "num_nextn_predict_layers", c.numNextnPredictLayers, 0, MAX_MTP_LAYERS);
        if (c.firstKDenseReplace < 0 || c.firstKDenseReplace > c.numLayers) {
            p.add("first_k_dense_replace " + c.firstKDenseReplace + " outside [0, num_hidden_layers=" + c.numLayers + "]");
        }
        if (c.numKvHeads > 0 && c.numHeads % c.numKvHeads != 0) {
            p.add("num_attention_heads " + c.numHeads + " is not divisible by num_key_value_heads " + c.numKvHeads);
        }
        if (c.ropeDim <= 0 || c.ropeDim % 2 != 0 || c.ropeDim > c.headDim) {
            p.add("rotary width " + c.ropeDim + " must be even and in (0, head_dim=" + c.headDim + "]");
        }
        if (!(c.rmsNormEps > 0 && c.rmsNormEps < 1)) {
            p.add("rms_norm_eps must be in (0, 1), got " + c.rmsNormEps);
        }
        if (!(c.ropeTheta > 0 && Double.isFinite(c.ropeTheta))) {
            p.add("rope_theta must be positive and finite, got " + c.ropeTheta);
        }
        if (!Double.isFinite(c.routedScalingFactor)) {
            p.add("routed_scaling_factor must be finite, got " + c.routedScalingFactor);
        }
        if (c.firstKDenseReplace < c.numLayers || c.numNextnPredictLayers > 0) {
            range(p, "num_experts", c.numExperts, 1, MAX_EXPERTS);
            range(p, "moe_intermediate_size", c.moeIntermediateSize, 1, MAX_INTERMEDIATE);
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
            range(p, "num_shared_experts", c.numSharedExperts, 0, MAX_SHARED_EXPERTS);
        }
        if (c.eosTokenIds.length == 0) {
            p.add("no eos_token_id in config.json or generation_config.json");
        }
        if (c.ropeScaling != null) {
            RopeScaling r = c.ropeScaling;
            if (!(r.factor() > 0 && r.factor() <= 1024) || r.originalMaxPosition() <= 0 || r.originalMaxPosition() > MAX_POSITIONS) {
                p.add("rope_scaling factor must be in (0, 1024] and original_max_position_embeddings in [1, " + MAX_POSITIONS
                        + "], got " + r.factor() + " and " + r.originalMaxPosition());
            }
            if (!Double.isFinite(r.betaFast()) || !Double.isFinite(r.betaSlow()) || Double.isInfinite(r.attentionFactor())
                    || Double.isInfinite(r.mscale()) || Double.isInfinite(r.mscaleAllDim())) {
                p.add("rope_scaling beta_fast, beta_slow, attention_factor, mscale and mscale_all_dim must be finite");
            }
        }
        if (c.family == Family.V2_5) {
            range(p, "layer_group_size", c.layerGroupSize, 1, MAX_LAYERS);
            range(p, "kv_lora_rank", c.kvLoraRank, 1, MAX_LORA_RANK);
            range(p, "qk_nope_head_dim", c.qkNopeHeadDim, 1, MAX_HEAD_DIM);
            range(p, "qk_rope_head_dim", c.qkRopeHeadDim, 1, MAX_HEAD_DIM);
            range(p, "v_head_dim", c.vHeadDim, 1, MAX_HEAD_DIM);
            positive(p, "group_norm_size", c.groupNormSize);
            if (c.groupNormSize > 0 && (c.numHeads * c.headDim) % c.groupNormSize != 0) {
                p.add("num_attention_heads × head_dim is not divisible by group_norm_size " + c.groupNormSize);
            }
            if (c.qLoraRank < 0 || c.qLoraRank > MAX_LORA_RANK) {
                p.add("q_lora_rank must be in [1, " + MAX_LORA_RANK + "] or null, got " + c.qLoraRank);
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

    private static void range(List<String> p, String key, int v, int min, int max) {
        if (v < min || v > max) {
            p.add(key + " must be in [" + min + ", " + max + "], got " + v);
        }
    }

    private static void positive(List<String> p, String key, int v) {
        if (v <= 0) {
            p.add(key + " must be positive, got " + v);
        }
    }
}
