package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import java.util.List;

/**
 * Ling 2.0 ({@code BailingMoeV2ForCausalLM}), as ling-architecture.md §2.4 writes it: embedding;
 * per layer RMSNorm → fused QKV → per-head QK-norm → partial NeoX RoPE → causal GQA attention →
 * output projection → residual → RMSNorm → dense SwiGLU or MoE (routed + shared) → residual;
 * final norm; lm_head. The backend decides how and where each step runs.
 */
public final class LingModel implements CausalLm {
    final LingConfig config;
    final Backend be;
    final Rope rope;
    final Weight embedding;  // [V, H]
    final Weight finalNorm;  // [1, H]
    final Weight lmHead;     // [V, H]
    final Layer[] layers;

    /** One decoder layer's weights: GQA attention, then the MLP (dense or MoE, shared with Ling 2.5). */
    static final class Layer {
        Weight inputNorm;     // [1, H]
        Weight qkv;           // [(nh + 2nkv)·d, H]
        Weight qNorm;         // [1, d]
        Weight kNorm;         // [1, d]
        Weight dense;         // [H, nh·d]
        Weight postNorm;      // [1, H]
        FeedForward mlp;
    }

    LingModel(LingConfig config, Backend be, Weight embedding, Weight finalNorm, Weight lmHead, Layer[] layers) {
        this.config = config;
        this.be = be;
        this.rope = Rope.of(config);
        this.embedding = embedding;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.layers = layers;
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
        return be.newKvCache(config);
    }

    /** One batched step over several sequences, each at its own position. */
    @Override
    public StepOutput forward(List<SeqInput> inputs, boolean recordRouting) {
        StepBatch b = StepBatch.of(inputs);
        int t = b.tokens();
        int[] positions = b.positions();
        BatchLayout layout = b.layout();
        int h = config.hiddenSize;
        int nh = config.numHeads;
        int d = config.headDim;
        float eps = (float) config.rmsNormEps;

        Tensor x = be.allocF32(t, h); // the residual stream
        be.embedding(embedding, b.ids(), x);
        Tensor a = be.alloc(t, h);
        Tensor qkv = be.alloc(t, config.qkvWidth());
        Tensor attn = be.alloc(t, nh * d);
        Tensor o = be.allocF32(t, h); // projection outputs stay fp32 until the residual add
        int[][] routing = recordRouting ? new int[config.numLayers - config.firstKDenseReplace][] : null;
        for (int l = 0; l < layers.length; l++) {
            Layer ly = layers[l];
            // Attention block.
            be.rmsNorm(x, ly.inputNorm, eps, a);
            be.matmul(a, ly.qkv, qkv);
            be.qkNormRope(qkv, 0, nh, d, ly.qNorm, eps, config.ropeDim, rope.invFreq, rope.factor, positions);
            be.qkNormRope(qkv, nh * d, config.numKvHeads, d, ly.kNorm, eps, config.ropeDim, rope.invFreq, rope.factor, positions);
            be.attention(qkv, layout, l, config, attn);
            be.matmul(attn, ly.dense, o);
            be.add(x, o);
            // MLP block.
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
        for (Tensor tt : new Tensor[] {x, a, qkv, attn, o}) {
            be.free(tt);
        }
        return new StepOutput(out, routing);
    }

    @Override
    public void close() {
        be.close();
    }
}
