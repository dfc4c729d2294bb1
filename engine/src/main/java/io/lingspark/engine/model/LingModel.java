package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.Backend.MoeWeights;
import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import java.util.ArrayList;
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

    /** One decoder layer's weights. Dense layers fill gateUp/down; MoE layers moe + shared*. */
    static final class Layer {
        Weight inputNorm;     // [1, H]
        Weight qkv;           // [(nh + 2nkv)·d, H]
        Weight qNorm;         // [1, d]
        Weight kNorm;         // [1, d]
        Weight dense;         // [H, nh·d]
        Weight postNorm;      // [1, H]
        Weight gateUp;        // dense: [2I, H]
        Weight down;          // dense: [H, I]
        MoeWeights moe;       // routed experts: gate|up [2m, H], down [H, m]
        Weight sharedGateUp;  // [2·m·shared, H]
        Weight sharedDown;    // [H, m·shared]
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
        int t = 0;
        for (SeqInput in : inputs) {
            t += in.tokens().length;
        }
        int[] ids = new int[t];
        int[] positions = new int[t];
        List<BatchLayout.Chunk> chunks = new ArrayList<>(inputs.size());
        List<Integer> logitRows = new ArrayList<>();
        int row = 0;
        for (SeqInput in : inputs) {
            int start = in.cache().length();
            int n = in.tokens().length;
            if (n == 0) {
                throw new IllegalArgumentException("a step input has no tokens");
            }
            chunks.add(new BatchLayout.Chunk(in.cache(), row, n, start));
            for (int i = 0; i < n; i++) {
                ids[row + i] = in.tokens()[i];
                positions[row + i] = start + i;
                if (in.allLogits() || i == n - 1) {
                    logitRows.add(row + i);
                }
            }
            row += n;
        }
        BatchLayout layout = new BatchLayout(chunks, positions);
        int h = config.hiddenSize;
        int nh = config.numHeads;
        int d = config.headDim;
        int k = config.numExpertsPerTok;
        float eps = (float) config.rmsNormEps;

        Tensor x = be.alloc(t, h);
        be.embedding(embedding, ids, x);
        Tensor a = be.alloc(t, h);
        Tensor qkv = be.alloc(t, config.qkvWidth());
        Tensor attn = be.alloc(t, nh * d);
        Tensor o = be.alloc(t, h);
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
            if (ly.moe == null) {
                swiglu(a, ly.gateUp, ly.down, o);
            } else {
                int[] chosen = recordRouting ? new int[t * k] : null;
                be.moe(a, ly.moe, config, o, chosen);
                if (recordRouting) {
                    routing[l - config.firstKDenseReplace] = chosen;
                }
                if (ly.sharedGateUp != null) {
                    Tensor s = be.alloc(t, h);
                    swiglu(a, ly.sharedGateUp, ly.sharedDown, s);
                    be.add(o, s);
                    be.free(s);
                }
            }
            be.add(x, o);
        }
        for (SeqInput in : inputs) {
            in.cache().commit(in.cache().length() + in.tokens().length);
        }
        // Final norm and head only on the rows whose logits were asked for.
        int[] sel = logitRows.stream().mapToInt(Integer::intValue).toArray();
        Tensor last = be.rows(x, sel);
        Tensor normed = be.alloc(sel.length, h);
        be.rmsNorm(last, finalNorm, eps, normed);
        Tensor logits = be.alloc(sel.length, config.vocabSize);
        be.matmul(normed, lmHead, logits);
        float[] all = be.toHost(logits);
        float[][] out = new float[inputs.size()][];
        int r = 0;
        int v = config.vocabSize;
        for (int i = 0; i < inputs.size(); i++) {
            int rowsHere = inputs.get(i).allLogits() ? inputs.get(i).tokens().length : 1;
            out[i] = java.util.Arrays.copyOfRange(all, r * v, (r + rowsHere) * v);
            r += rowsHere;
        }
        for (Tensor tt : new Tensor[] {x, a, qkv, attn, o, last, normed, logits}) {
            be.free(tt);
        }
        return new StepOutput(out, routing);
    }

    /** down(silu(gate(x)) ⊙ up(x)) with gate|up stacked in one weight. */
    private void swiglu(Tensor x, Weight gateUp, Weight down, Tensor out) {
        int n = gateUp.rows() / 2;
        Tensor gu = be.alloc(x.rows(), 2 * n);
        Tensor act = be.alloc(x.rows(), n);
        be.matmul(x, gateUp, gu);
        be.siluMul(gu, act);
        be.matmul(act, down, out);
        be.free(gu);
        be.free(act);
    }

    @Override
    public void close() {
        be.close();
    }
}
