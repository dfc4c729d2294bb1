package io.lingspark.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.config.LingConfig.Builder;
import io.lingspark.engine.config.LingConfig.Family;

/** config.json ⇄ {@link LingConfig.Builder}: the key names and their absent-key defaults (§2.1, §5.1). */
final class ConfigParser {
    private ConfigParser() {
    }

    static Builder parse(JsonNode c, JsonNode gen) {
        Builder b = new Builder();
        String arch = c.path("architectures").path(0).asText("");
        if (LingConfig.ARCH_V2.equals(arch)) {
            b.family = Family.V2;
        } else if (LingConfig.ARCH_V25.equals(arch)) {
            b.family = Family.V2_5;
        } else {
            throw new ModelLoadException("unsupported architecture '" + arch + "' in config.json: LingSpark runs "
                    + LingConfig.ARCH_V2 + " (Ling/Ring 2.0) and " + LingConfig.ARCH_V25 + " (Ling/Ring 2.5)");
        }
        String act = c.path("hidden_act").asText("silu");
        if (!"silu".equals(act)) {
            b.problems.add("hidden_act '" + act + "' (only silu is supported)");
        }
        if (c.path("use_qkv_bias").asBoolean(false) || c.path("use_bias").asBoolean(false)) {
            b.problems.add("use_qkv_bias/use_bias true (Ling checkpoints have no linear biases)");
        }
        if (c.path("norm_head").asBoolean(false)) {
            b.problems.add("norm_head true (a Ling 1.x option, not part of Ling 2.0)");
        }
        b.vocabSize = integer(c, "vocab_size", b.vocabSize, b);
        b.hiddenSize = integer(c, "hidden_size", b.hiddenSize, b);
        b.intermediateSize = integer(c, "intermediate_size", b.intermediateSize, b);
        b.numLayers = integer(c, "num_hidden_layers", b.numLayers, b);
        b.numHeads = integer(c, "num_attention_heads", b.numHeads, b);
        b.numKvHeads = integer(c, "num_key_value_heads", b.numKvHeads, b);
        b.headDim = c.hasNonNull("head_dim") ? integer(c, "head_dim", 0, b) : b.hiddenSize / Math.max(1, b.numHeads);
        // Note R: partial_rotary_factor first, then rotary_dim, then the whole head.
        if (c.hasNonNull("partial_rotary_factor")) {
            b.ropeDim = (int) (b.headDim * number(c, "partial_rotary_factor", 1, b));
        } else if (c.hasNonNull("rotary_dim")) {
            b.ropeDim = integer(c, "rotary_dim", 0, b);
        } else {
            b.ropeDim = b.headDim;
        }
        b.ropeTheta = number(c, "rope_theta", b.ropeTheta, b);
        b.rmsNormEps = number(c, "rms_norm_eps", b.rmsNormEps, b);
        b.maxPositionEmbeddings = integer(c, "max_position_embeddings", b.maxPositionEmbeddings, b);
        b.firstKDenseReplace = integer(c, "first_k_dense_replace", b.firstKDenseReplace, b);
        b.numExperts = integer(c, "num_experts", b.numExperts, b);
        b.numExpertsPerTok = integer(c, "num_experts_per_tok", b.numExpertsPerTok, b);
        b.nGroup = integer(c, "n_group", b.nGroup, b);
        b.topkGroup = integer(c, "topk_group", b.topkGroup, b);
        b.moeIntermediateSize = integer(c, "moe_intermediate_size", b.moeIntermediateSize, b);
        b.numSharedExperts = integer(c, "num_shared_experts", b.numSharedExperts, b);
        b.routedScalingFactor = number(c, "routed_scaling_factor", b.routedScalingFactor, b);
        b.useQkNorm = c.path("use_qk_norm").asBoolean(b.useQkNorm);
        b.tieWordEmbeddings = c.path("tie_word_embeddings").asBoolean(false);
        b.numNextnPredictLayers = integer(c, "num_nextn_predict_layers", 0, b);
        b.padTokenId = integer(c, "pad_token_id", b.padTokenId, b);
        b.eosTokenIds = ids(c.get("eos_token_id"), b.eosTokenIds, "config.json eos_token_id", b);
        if (gen != null && gen.hasNonNull("eos_token_id")) {
            b.eosTokenIds = ids(gen.get("eos_token_id"), b.eosTokenIds, "generation_config.json eos_token_id", b);
        }
        b.ropeScaling = ropeScaling(c.get("rope_scaling"), b);
        b.quantization = quantization(c.get("quantization_config"), b);
        if (b.family == Family.V2_5) {
            // Absent keys take the BailingMoeV2_5Config class defaults (§5.1 table, S3 column).
            b.layerGroupSize = integer(c, "layer_group_size", 5, b);
            b.groupNormSize = integer(c, "group_norm_size", 4, b);
            // Parsed for completeness; the upstream 2.5 modeling code never reads it (no silu on q/k/v).
            b.linearSilu = c.path("linear_silu").asBoolean(false);
            b.kvLoraRank = integer(c, "kv_lora_rank", 512, b);
            // null (the class default) means a plain q_proj instead of q_a_proj → norm → q_b_proj.
            b.qLoraRank = integer(c, "q_lora_rank", 0, b);
            b.qkNopeHeadDim = integer(c, "qk_nope_head_dim", 128, b);
            b.qkRopeHeadDim = integer(c, "qk_rope_head_dim", 64, b);
            b.vHeadDim = integer(c, "v_head_dim", 128, b);
            b.ropeInterleave = c.path("rope_interleave").asBoolean(true);
            if (c.hasNonNull("qk_head_dim") && c.get("qk_head_dim").asInt() != b.qkNopeHeadDim + b.qkRopeHeadDim) {
                b.problems.add("qk_head_dim " + c.get("qk_head_dim") + " != qk_nope_head_dim + qk_rope_head_dim = "
                        + (b.qkNopeHeadDim + b.qkRopeHeadDim));
            }
            // The 2.5 router is the Ling 2.0 one: sigmoid scores, noaux_tc (bias-shifted group top-k).
            for (String key : new String[] {"score_function", "scoring_func"}) {
                String f = c.path(key).asText("sigmoid");
                if (!"sigmoid".equals(f)) {
                    b.problems.add(key + " '" + f + "' (only sigmoid is supported)");
                }
            }
            String topk = c.path("topk_method").asText("noaux_tc");
            if (!"noaux_tc".equals(topk)) {
                b.problems.add("topk_method '" + topk + "' (only noaux_tc is supported)");
            }
        }
        return b;
    }

    private static int integer(JsonNode c, String key, int dflt, Builder b) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            b.problems.add(key + " must be an integer of 32 bits, got " + v);
            return dflt;
        }
        return v.intValue();
    }

    /** A float field: a JSON number (a string or an object is a problem, not the default). */
    private static double number(JsonNode c, String key, double dflt, Builder b) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            b.problems.add(key + " must be a number, got " + v);
            return dflt;
        }
        return v.doubleValue();
    }

    /**
     * One token id or a list of them (eos_token_id), each in [0, vocab_size): an eos the model cannot
     * produce would never stop generation. (Presets are not checked: bench shapes keep Ling's eos.)
     */
    private static int[] ids(JsonNode v, int[] dflt, String what, Builder b) {
        if (v == null || v.isNull()) {
            return dflt;
        }
        JsonNode list = v.isArray() ? v : new com.fasterxml.jackson.databind.ObjectMapper().createArrayNode().add(v);
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode id = list.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                b.problems.add(what + " must be integer token ids, got " + v);
                return dflt;
            }
            out[i] = id.intValue();
            if (out[i] < 0 || out[i] >= b.vocabSize) {
                b.problems.add(what + " " + out[i] + " is outside the vocabulary [0, vocab_size=" + b.vocabSize + ")");
            }
        }
        return out;
    }

    private static RopeScaling ropeScaling(JsonNode r, Builder b) {
        if (r == null || r.isNull()) {
            return null;
        }
        String type = r.hasNonNull("rope_type") ? r.get("rope_type").asText() : r.path("type").asText("");
        if ("default".equals(type)) {
            return null;
        }
        if (!"yarn".equals(type)) {
            b.problems.add("rope_scaling type '" + type + "' (only yarn is supported)");
            return null;
        }
        if (!r.hasNonNull("factor") || !r.hasNonNull("original_max_position_embeddings")) {
            b.problems.add("rope_scaling yarn needs factor and original_max_position_embeddings");
            return null;
        }
        int before = b.problems.size();
        RopeScaling s = new RopeScaling(number(r, "factor", 0, b), integer(r, "original_max_position_embeddings", 0, b),
                number(r, "beta_fast", 32, b), number(r, "beta_slow", 1, b), number(r, "attention_factor", Double.NaN, b),
                number(r, "mscale", Double.NaN, b), number(r, "mscale_all_dim", Double.NaN, b));
        for (int i = before; i < b.problems.size(); i++) {
            b.problems.set(i, "rope_scaling." + b.problems.get(i));
        }
        return s;
    }

    private static Quantization quantization(JsonNode q, Builder b) {
        if (q == null || q.isNull()) {
            return null;
        }
        String method = q.path("quant_method").asText("");
        if (Quantization.COMPRESSED_TENSORS.equals(method)) {
            return CompressedTensorsConfig.parse(q);
        }
        if (!"fp8".equals(method)) {
            b.problems.add("quantization_config.quant_method '" + method + "' (supported: fp8, compressed-tensors)");
            return null;
        }
        String fmt = q.path("fmt").asText("e4m3");
        if (!"e4m3".equals(fmt)) {
            b.problems.add("quantization_config.fmt '" + fmt + "' (supported: e4m3)");
        }
        JsonNode bs = q.get("weight_block_size");
        boolean pair = bs != null && bs.isArray() && bs.size() == 2 && bs.get(0).canConvertToInt() && bs.get(1).canConvertToInt();
        int br = pair ? bs.get(0).asInt() : 128;
        int bc = pair ? bs.get(1).asInt() : 128;
        // the scales are [rows / br, cols / bc]: a block wider than any weight is as wrong as an empty one
        if ((bs != null && !pair) || br <= 0 || bc <= 0 || br > 65536 || bc > 65536) {
            b.problems.add("quantization_config.weight_block_size must be two integers in [1, 65536], got " + bs);
        }
        return new Quantization(method, br, bc);
    }

    static Builder toBuilder(LingConfig c) {
        Builder b = new Builder();
        b.family = c.family;
        b.vocabSize = c.vocabSize;
        b.hiddenSize = c.hiddenSize;
        b.intermediateSize = c.intermediateSize;
        b.numLayers = c.numLayers;
        b.numHeads = c.numHeads;
        b.numKvHeads = c.numKvHeads;
        b.headDim = c.headDim;
        b.ropeDim = c.ropeDim;
        b.ropeTheta = c.ropeTheta;
        b.ropeScaling = c.ropeScaling;
        b.rmsNormEps = c.rmsNormEps;
        b.maxPositionEmbeddings = c.maxPositionEmbeddings;
        b.firstKDenseReplace = c.firstKDenseReplace;
        b.numExperts = c.numExperts;
        b.numExpertsPerTok = c.numExpertsPerTok;
        b.nGroup = c.nGroup;
        b.topkGroup = c.topkGroup;
        b.moeIntermediateSize = c.moeIntermediateSize;
        b.numSharedExperts = c.numSharedExperts;
        b.routedScalingFactor = c.routedScalingFactor;
        b.useQkNorm = c.useQkNorm;
        b.tieWordEmbeddings = c.tieWordEmbeddings;
        b.numNextnPredictLayers = c.numNextnPredictLayers;
        b.quantization = c.quantization;
        b.eosTokenIds = c.eosTokenIds.clone();
        b.padTokenId = c.padTokenId;
        b.layerGroupSize = c.layerGroupSize;
        b.groupNormSize = c.groupNormSize;
        b.linearSilu = c.linearSilu;
        b.kvLoraRank = c.kvLoraRank;
        b.qLoraRank = c.qLoraRank;
        b.qkNopeHeadDim = c.qkNopeHeadDim;
        b.qkRopeHeadDim = c.qkRopeHeadDim;
        b.vHeadDim = c.vHeadDim;
        b.ropeInterleave = c.ropeInterleave;
        return b;
    }

    static ObjectNode toJson(LingConfig c) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.putArray("architectures").add(c.architecture);
        o.put("model_type", c.family == Family.V2 ? "bailing_moe" : "bailing_hybrid");
        o.put("num_hidden_layers", c.numLayers);
        o.put("hidden_size", c.hiddenSize);
        o.put("intermediate_size", c.intermediateSize);
        o.put("eos_token_id", c.eosTokenIds[c.eosTokenIds.length - 1]);
        o.put("pad_token_id", c.padTokenId);
        o.put("first_k_dense_replace", c.firstKDenseReplace);
        o.put("hidden_act", "silu");
        o.put("max_position_embeddings", c.maxPositionEmbeddings);
        o.put("moe_intermediate_size", c.moeIntermediateSize);
        o.put("norm_topk_prob", true);
        o.put("num_experts_per_tok", c.numExpertsPerTok);
        o.put("num_attention_heads", c.numHeads);
        o.put("num_experts", c.numExperts);
        o.put("num_key_value_heads", c.numKvHeads);
        o.put("rope_theta", c.ropeTheta);
        if (c.ropeScaling != null) {
            ObjectNode r = o.putObject("rope_scaling");
            r.put("type", "yarn");
            r.put("factor", c.ropeScaling.factor());
            r.put("original_max_position_embeddings", c.ropeScaling.originalMaxPosition());
        } else {
            o.putNull("rope_scaling");
        }
        o.put("tie_word_embeddings", c.tieWordEmbeddings);
        o.put("torch_dtype", "bfloat16");
        o.put("rms_norm_eps", c.rmsNormEps);
        o.put("head_dim", c.headDim);
        o.put("num_shared_experts", c.numSharedExperts);
        o.put("vocab_size", c.vocabSize);
        o.put("partial_rotary_factor", (double) c.ropeDim / c.headDim);
        o.put("router_dtype", "fp32");
        o.put("moe_router_enable_expert_bias", true);
        o.put("routed_scaling_factor", c.routedScalingFactor);
        o.put("n_group", c.nGroup);
        o.put("topk_group", c.topkGroup);
        o.put("use_qk_norm", c.useQkNorm);
        o.put("score_function", "sigmoid");
        o.put("moe_shared_expert_intermediate_size", c.sharedExpertWidth());
        o.put("num_nextn_predict_layers", c.numNextnPredictLayers);
        if (c.family == Family.V2_5) {
            o.put("layer_group_size", c.layerGroupSize);
            o.put("group_norm_size", c.groupNormSize);
            o.put("linear_silu", c.linearSilu);
            o.put("kv_lora_rank", c.kvLoraRank);
            if (c.qLoraRank > 0) {
                o.put("q_lora_rank", c.qLoraRank);
            } else {
                o.putNull("q_lora_rank");
            }
            o.put("qk_nope_head_dim", c.qkNopeHeadDim);
            o.put("qk_rope_head_dim", c.qkRopeHeadDim);
            o.put("v_head_dim", c.vHeadDim);
            o.put("rope_interleave", c.ropeInterleave);
        }
        if (c.quantization != null && c.quantization.isCompressedTensors()) {
            CompressedTensorsConfig.write(c.quantization, o.putObject("quantization_config"));
        } else if (c.quantization != null) {
            ObjectNode q = o.putObject("quantization_config");
            q.put("activation_scheme", "dynamic");
            q.put("fmt", "e4m3");
            q.put("quant_method", c.quantization.method());
            q.putArray("weight_block_size").add(c.quantization.blockRows()).add(c.quantization.blockCols());
        }
        return o;
    }
}
