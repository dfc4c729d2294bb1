package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.backend.HybridOps;
import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.RopeScaling;
import java.util.List;

/**
 * Ling 2.5 / Ring 2.5 ({@code BailingMoeV2_5ForCausalLM}, {@code bailing_hybrid}) as
 * ling-architecture.md §5.1 writes it. The decoder layer is Ling 2.0's (RMSNorm → attention →
 * residual → RMSNorm → dense SwiGLU or MoE → residual) with one of two attentions:
 * <ul>
 *   <li>Lightning linear attention: fused MHA QKV → per-head QK-norm → partial NeoX RoPE → gated
 *       linear attention with per-head decay over the recurrent state → GroupRMSNorm → ⊙ sigmoid(g_proj(a)) → dense;</li>
 *   <li>MLA (one layer in every layer_group_size, and the tail): q_a_proj → q_a_layernorm → q_b_proj
 *       (or q_proj); kv_a_proj_with_mqa → [c_kv → kv_a_layernorm | k_rope]; interleaved RoPE on q_rope and
 *       the shared k_rope; softmax attention with keys/values from kv_b_proj(c_kv) → dense.</li>
 * </ul>
 * The per-sequence cache ({@link HybridOps#newHybridCache}) keeps the compressed latent for MLA layers
 * and the recurrent state for linear layers.
 */
public final class LingHybridModel implements CausalLm {
    /** q_a_layernorm / kv_a_layernorm are built upstream without an eps argument: the class default. */
    static final float MLA_NORM_EPS = 1e-6f;

    final LingConfig config;
    final Backend be;
    final HybridOps hy;
    final Rope rope;        // linear layers: NeoX over the first ropeDim dims of each head
    final Rope mlaRope;     // MLA: interleaved pairs over qk_rope_head_dim
    final float mlaScale;   // (nope + rope)^(−1/2), × mscale² with YaRN mscale_all_dim
    final Weight embedding; // [V, H]
    final Weight finalNorm; // [1, H]
    final Weight lmHead;    // [V, H]
    final Layer[] layers;

    /** One Lightning linear-attention block's weights. */
    static final class Linear {
        int slot;          // index among the linear layers: the cache's state slot
        float[] logDecay;  // [nh] g_h = −slope_h · f_ℓ
        Weight qkv;        // [3·nh·d, H] q | k | v heads
        Weight qNorm;      // [1, d], null without QK-norm
        Weight kNorm;      // [1, d]
        Weight gProj;      // [nh·d, H] output gate
        Weight gNorm;      // [1, nh·d] GroupRMSNorm weight
        Weight dense;      // [H, nh·d]
    }

    /** One MLA block's weights. */
    static final class Mla {
        int slot;          // index among the MLA layers: the cache's latent slot
        Weight qA;         // [q_lora, H], null when q_lora_rank is null
        Weight qANorm;     // [1, q_lora]
        Weight qB;         // [nh·(nope + rope), q_lora], or q_proj [nh·(nope + rope), H]
        Weight kvA;        // [kv_lora, H]: rows [0, kv_lora) of kv_a_proj_with_mqa
        Weight kRope;      // [rope, H]: its last rows, the single rope-key head shared by all heads
        Weight kvANorm;    // [1, kv_lora]
        Weight kvB;        // [nh·(nope + v), kv_lora]
        Weight dense;      // [H, nh·v]
    }

    /** A decoder layer: exactly one of linear / mla, then the MLP. */
    static final class Layer {
        Weight inputNorm;  // [1, H]
        Weight postNorm;   // [1, H]
        Linear linear;
        Mla mla;
        FeedForward mlp;
    }

    LingHybridModel(LingConfig config, Backend be, HybridOps hy, Weight embedding, Weight finalNorm, Weight lmHead,
                    Layer[] layers) {
        this.config = config;
        this.be = be;
        this.hy = hy;
        this.rope = Rope.of(config);
        this.mlaRope = Rope.of(config.qkRopeHeadDim, config.ropeTheta, config.ropeScaling);
        this.mlaScale = mlaScale(config);
        this.embedding = embedding;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.layers = layers;
    }

    static float mlaScale(LingConfig c) {
        double s = 1.0 / Math.sqrt(c.qkHeadDim());
        RopeScaling y = c.ropeScaling;
        if (y != null && !Double.isNaN(y.mscaleAllDim()) && y.mscaleAllDim() != 0) {
            double m = RopeScaling.getMscale(y.factor(), y.mscaleAllDim());
            s *= m * m;
        }
        return (float) s;
    }

    @Override
    public LingConfig config() {
        return config;
    }

    @Override
    public Backend backend() {
        return be;
    }

    @Override
    public KvCache newCache() {
        return hy.newHybridCache(config);
    }

    /** The linear-attention state [nh, d, d] of linear slot {@code slot} in a cache (tests). */
    public float[] linearState(KvCache cache, int slot) {
        return hy.linearState(cache, slot);
    }

    @Override
    public StepOutput forward(List<SeqInput> inputs, boolean recordRouting) {
        StepBatch b = StepBatch.of(inputs);
        int t = b.tokens();
        BatchLayout layout = b.layout();
        int h = config.hiddenSize;
        float eps = (float) config.rmsNormEps;
        Tensor x = be.alloc(t, h);
        be.embedding(embedding, b.ids(), x);
        Tensor a = be.alloc(t, h);
        Tensor o = be.alloc(t, h);
        int[][] routing = recordRouting ? new int[config.numLayers - config.firstKDenseReplace][] : null;
        for (int l = 0; l < layers.length; l++) {
            Layer ly = layers[l];
            be.rmsNorm(x, ly.inputNorm, eps, a);
            if (ly.linear != null) {
                linearAttention(ly.linear, a, layout, o);
            } else {
                mlaAttention(ly.mla, a, layout, o);
            }
            be.add(x, o);
            be.rmsNorm(x, ly.postNorm, eps, a);
            int[] chosen = recordRouting && config.isMoeLayer(l) ? new int[t * config.numExpertsPerTok] : null;
            ly.mlp.forward(be, config, a, o, chosen);
            if (chosen != null) {
                routing[l - config.firstKDenseReplace] = chosen;
            }
            be.add(x, o);
        }
        b.commit();
        float[][] out = b.logits(be, config, x, finalNorm, lmHead);
        be.free(x);
        be.free(a);
        be.free(o);
        return new StepOutput(out, routing);
    }

    /** Lightning linear attention of the normed input a [T, H] into o [T, H]. */
    private void linearAttention(Linear at, Tensor a, BatchLayout layout, Tensor o) {
        int nh = config.numHeads;
        int d = config.headDim;
        int t = a.rows();
        float eps = (float) config.rmsNormEps;
        int[] pos = layout.positions();
        Tensor qkv = be.alloc(t, 3 * nh * d);
        be.matmul(a, at.qkv, qkv);
        be.qkNormRope(qkv, 0, nh, d, at.qNorm, eps, config.ropeDim, rope.invFreq, rope.factor, pos);
        be.qkNormRope(qkv, nh * d, nh, d, at.kNorm, eps, config.ropeDim, rope.invFreq, rope.factor, pos);
        Tensor attn = be.alloc(t, nh * d);
        hy.lightningAttention(qkv, layout, at.slot, at.logDecay, nh, d, attn);
        Tensor normed = be.alloc(t, nh * d);
        hy.groupRmsNorm(attn, at.gNorm, config.groupNormSize, eps, normed);
        Tensor gate = be.alloc(t, nh * d);
        be.matmul(a, at.gProj, gate);
        hy.sigmoidGate(normed, gate);
        be.matmul(normed, at.dense, o);
        for (Tensor tt : new Tensor[] {qkv, attn, normed, gate}) {
            be.free(tt);
        }
    }

    /** MLA of the normed input a [T, H] into o [T, H], caching only the compressed latent. */
    private void mlaAttention(Mla at, Tensor a, BatchLayout layout, Tensor o) {
        int nh = config.numHeads;
        int nope = config.qkNopeHeadDim;
        int ropeDim = config.qkRopeHeadDim;
        int qkd = config.qkHeadDim();
        int t = a.rows();
        int[] pos = layout.positions();
        Tensor q = be.alloc(t, nh * qkd);
        Tensor qa = null;
        Tensor qaNormed = null;
        if (at.qA != null) {
            qa = be.alloc(t, config.qLoraRank);
            qaNormed = be.alloc(t, config.qLoraRank);
            be.matmul(a, at.qA, qa);
            be.rmsNorm(qa, at.qANorm, MLA_NORM_EPS, qaNormed);
            be.matmul(qaNormed, at.qB, q);
        } else {
            be.matmul(a, at.qB, q);
        }
        Tensor ckv = be.alloc(t, config.kvLoraRank);
        Tensor ckvNormed = be.alloc(t, config.kvLoraRank);
        Tensor kRope = be.alloc(t, ropeDim);
        be.matmul(a, at.kvA, ckv);
        be.rmsNorm(ckv, at.kvANorm, MLA_NORM_EPS, ckvNormed);
        be.matmul(a, at.kRope, kRope);
        // RoPE on the rope part of every q head (after its nope dims) and on the one shared key head.
        hy.ropeInterleaved(q, nope, nh, qkd, mlaRope.invFreq, mlaRope.factor, pos);
        hy.ropeInterleaved(kRope, 0, 1, ropeDim, mlaRope.invFreq, mlaRope.factor, pos);
        Tensor attn = be.alloc(t, nh * config.vHeadDim);
        hy.mlaAttention(q, ckvNormed, kRope, at.kvB, layout, at.slot, config, mlaScale, attn);
        be.matmul(attn, at.dense, o);
        for (Tensor tt : new Tensor[] {q, qa, qaNormed, ckv, ckvNormed, kRope, attn}) {
            if (tt != null) {
                be.free(tt);
            }
        }
    }

    /** Final norm and lm_head on the rows whose logits were asked for, split per input. */
    @Override
    public void close() {
        be.close();
    }
}
