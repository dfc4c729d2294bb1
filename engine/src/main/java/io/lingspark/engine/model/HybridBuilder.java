package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.Backend.MoeWeights;
import io.lingspark.engine.backend.HybridOps;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.LingConfig.LayerKind;

/** Assembles a {@link LingHybridModel} from a weight source (a checkpoint or random weights), per §5.1's tensor names. */
final class HybridBuilder {
    private HybridBuilder() {
    }

    static LingHybridModel build(LingConfig c, Backend be, HybridOps hy, ModelFactory.Source src) {
        Weight emb = src.matrix("model.word_embeddings.weight");
        Weight norm = src.matrix("model.norm.weight");
        Weight head = c.tieWordEmbeddings ? emb : src.matrix("lm_head.weight");
        LingHybridModel.Layer[] layers = new LingHybridModel.Layer[c.numLayers];
        for (int l = 0; l < c.numLayers; l++) {
            String p = TensorPlan.layer(l);
            LingHybridModel.Layer ly = new LingHybridModel.Layer();
            ly.inputNorm = src.matrix(p + "input_layernorm.weight");
            ly.postNorm = src.matrix(p + "post_attention_layernorm.weight");
            if (c.layerKind(l) == LayerKind.LINEAR) {
                ly.linear = linear(c, src, p + "attention.", l);
            } else {
                ly.mla = mla(c, src, p + "attention.", l);
            }
            ly.mlp = mlp(c, src, p, l);
            layers[l] = ly;
        }
        return new LingHybridModel(c, be, hy, emb, norm, head, layers);
    }

    private static LingHybridModel.Linear linear(LingConfig c, ModelFactory.Source src, String p, int l) {
        LingHybridModel.Linear at = new LingHybridModel.Linear();
        at.slot = c.slotOf(l);
        at.logDecay = LightningDecay.logDecay(c.numHeads, l, c.numLayers);
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

    private static LingHybridModel.Mla mla(LingConfig c, ModelFactory.Source src, String p, int l) {
        LingHybridModel.Mla at = new LingHybridModel.Mla();
        at.slot = c.slotOf(l);
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

    /** The Ling 2.0 MLP: dense SwiGLU below first_k_dense_replace, else routed + shared experts. */
    static FeedForward mlp(LingConfig c, ModelFactory.Source src, String p, int l) {
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
        f.moe = new MoeWeights(src.matrix(p + "mlp.gate.weight"), src.bias(l), gu, down);
        if (c.numSharedExperts > 0) {
            f.sharedGateUp = src.gateUp(p + "mlp.shared_experts.gate_proj.weight", p + "mlp.shared_experts.up_proj.weight");
            f.sharedDown = src.matrix(p + "mlp.shared_experts.down_proj.weight");
        }
        return f;
    }
}
