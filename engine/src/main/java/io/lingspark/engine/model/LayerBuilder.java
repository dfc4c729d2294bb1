package io.lingspark.engine.model;

import io.lingspark.engine.backend.AttentionSpec;
import io.lingspark.engine.backend.Backend.MoeWeights;
import io.lingspark.engine.backend.LinearAttentionSpec;
import io.lingspark.engine.backend.MlaSpec;
import io.lingspark.engine.backend.MoeSpec;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.LingConfig.LayerKind;
import io.lingspark.engine.config.RopeScaling;

/**
 * Assembles decoder layers from a weight source (a checkpoint or random weights), per §2.3's and
 * §5.1's tensor names: the attention of the layer's kind, then the shared MLP.
 */
final class LayerBuilder {
    private final LingConfig c;
    private final ModelFactory.Source src;
    private final Rope rope;       // NeoX over the first ropeDim dims of each head (GQA, linear)
    private final Rope mlaRope;    // interleaved pairs over qk_rope_head_dim (MLA)
    private final float eps;

    LayerBuilder(LingConfig c, ModelFactory.Source src) {
        this.c = c;
        this.src = src;
        this.rope = Rope.of(c);
        this.mlaRope = c.family == LingConfig.Family.V2 ? null : Rope.of(c.qkRopeHeadDim, c.ropeTheta, c.ropeScaling);
        this.eps = (float) c.rmsNormEps;
    }

    DecoderLayer layer(int l) {
        String p = TensorPlan.layer(l);
        DecoderLayer ly = new DecoderLayer();
        ly.inputNorm = src.matrix(p + "input_layernorm.weight");
        ly.postNorm = src.matrix(p + "post_attention_layernorm.weight");
        LayerKind kind = c.layerKind(l);
        ly.attention = kind == LayerKind.GQA ? gqa(p + "attention.")
                : kind == LayerKind.LINEAR ? linear(p + "attention.", l) : mla(p + "attention.");
        ly.mlp = mlp(p, l);
        return ly;
    }

    private GqaAttention gqa(String p) {
        AttentionSpec spec = new AttentionSpec(c.numHeads, c.numKvHeads, c.headDim, (float) (1.0 / Math.sqrt(c.headDim)));
        GqaAttention at = new GqaAttention(spec, rope, c.ropeDim, eps);
        at.qkv = src.matrix(p + "query_key_value.weight");
        if (c.useQkNorm) {
            at.qNorm = src.matrix(p + "query_layernorm.weight");
            at.kNorm = src.matrix(p + "key_layernorm.weight");
        }
        at.dense = src.matrix(p + "dense.weight");
        return at;
    }

    private LinearAttention linear(String p, int l) {
        LinearAttentionSpec spec = new LinearAttentionSpec(c.numHeads, c.headDim, LightningDecay.logDecay(c.numHeads, l, c.numLayers));
        LinearAttention at = new LinearAttention(spec, rope, c.ropeDim, c.groupNormSize, eps);
        at.qkv = src.matrix(p + "query_key_value.weight");
        if (c.useQkNorm) {
            at.qNorm = src.matrix(p + "query_layernorm.weight");
            at.kNorm = src.matrix(p + "key_layernorm.weight");
        }
        at.gProj = src.matrix(p + "g_proj.weight");
        at.gNorm = src.matrix(p + "g_norm.weight");
        at.dense = src.matrix(p + "dense.weight");
        return at;
    }

    private MlaAttention mla(String p) {
        MlaSpec spec = new MlaSpec(c.numHeads, c.qkNopeHeadDim, c.qkRopeHeadDim, c.vHeadDim, c.kvLoraRank, mlaScale(c));
        MlaAttention at = new MlaAttention(spec, mlaRope, c.qLoraRank);
        if (c.qLoraRank > 0) {
            at.qA = src.matrix(p + "q_a_proj.weight");
            at.qANorm = src.matrix(p + "q_a_layernorm.weight");
            at.qB = src.matrix(p + "q_b_proj.weight");
        } else {
            at.qB = src.matrix(p + "q_proj.weight");
        }
        // kv_a_proj_with_mqa's rows are [c_kv (kv_lora) | k_rope (rope)]: two products, so the latent
        // can be normed on its own and the rope key rotated on its own.
        String kvA = p + "kv_a_proj_with_mqa.weight";
        at.kvA = src.rows(kvA, 0, c.kvLoraRank);
        at.kRope = src.rows(kvA, c.kvLoraRank, c.kvLoraRank + c.qkRopeHeadDim);
        at.kvANorm = src.matrix(p + "kv_a_layernorm.weight");
        at.kvB = src.matrix(p + "kv_b_proj.weight");
        at.dense = src.matrix(p + "dense.weight");
        return at;
    }

    /** (nope + rope)^(−1/2), × mscale² when YaRN gives mscale_all_dim (§5.1). */
    static float mlaScale(LingConfig c) {
        double s = 1.0 / Math.sqrt(c.qkHeadDim());
        RopeScaling y = c.ropeScaling;
        if (y != null && !Double.isNaN(y.mscaleAllDim()) && y.mscaleAllDim() != 0) {
            double m = RopeScaling.getMscale(y.factor(), y.mscaleAllDim());
            s *= m * m;
        }
        return (float) s;
    }

    /** The MLP: dense SwiGLU below first_k_dense_replace, else routed + shared experts. */
    private FeedForward mlp(String p, int l) {
        FeedForward f = new FeedForward();
        if (!c.isMoeLayer(l)) {
            f.gateUp = src.gateUp(p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight");
            f.down = src.matrix(p + "mlp.down_proj.weight");
            return f;
        }
        Weight[] gu = new Weight[c.numExperts];
        Weight[] down = new Weight[c.numExperts];
        for (int e = 0; e < c.numExperts; e++) {
            String ex = p + "mlp.experts." + e + ".";
            gu[e] = src.gateUp(ex + "gate_proj.weight", ex + "up_proj.weight");
            down[e] = src.matrix(ex + "down_proj.weight");
        }
        f.moeSpec = new MoeSpec(c.numExperts, c.numExpertsPerTok, c.nGroup, c.topkGroup, (float) c.routedScalingFactor,
                c.moeIntermediateSize);
        f.moe = new MoeWeights(src.matrix(p + "mlp.gate.weight"), src.bias(l), gu, down);
        if (c.numSharedExperts > 0) {
            f.sharedGateUp = src.gateUp(p + "mlp.shared_experts.gate_proj.weight", p + "mlp.shared_experts.up_proj.weight");
            f.sharedDown = src.matrix(p + "mlp.shared_experts.down_proj.weight");
        }
        return f;
    }
}
