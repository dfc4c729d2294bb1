package io.lingspark.engine.model;

import io.lingspark.engine.backend.AttentionSpec;
import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.step.ForwardBatch;

/**
 * Ling 2.0's attention (§2.4 steps 2–7): fused QKV → per-head QK-norm → partial NeoX RoPE → causal
 * GQA over the KV cache → output projection.
 */
final class GqaAttention implements Attention {
    final AttentionSpec spec;
    final Rope rope;
    final int ropeDim;
    final float eps;
    Weight qkv;    // [(nh + 2nkv)·d, H]
    Weight qNorm;  // [1, d], null without QK-norm
    Weight kNorm;  // [1, d]
    Weight dense;  // [H, nh·d]

    GqaAttention(AttentionSpec spec, Rope rope, int ropeDim, float eps) {
        this.spec = spec;
        this.rope = rope;
        this.ropeDim = ropeDim;
        this.eps = eps;
    }

    @Override
    public CacheSpec.Layer cache() {
        return new CacheSpec.Layer(CacheSpec.Kind.KV, spec.kvWidth());
    }

    @Override
    public void forward(Backend be, ForwardBatch batch, CachePool pool, int layer, Tensor a, Tensor o, Scratch s) {
        int nh = spec.heads();
        int d = spec.headDim();
        int[] pos = batch.positions();
        Tensor q = s.get("gqa.qkv", (nh + 2 * spec.kvHeads()) * d, false);
        Tensor attn = s.get("gqa.attn", nh * d, false);
        be.matmul(a, qkv, q);
        be.qkNormRope(q, 0, nh, d, qNorm, eps, ropeDim, rope.invFreq, rope.factor, pos);
        be.qkNormRope(q, nh * d, spec.kvHeads(), d, kNorm, eps, ropeDim, rope.invFreq, rope.factor, pos);
        be.attention(q, batch, pool, layer, spec, attn);
        be.matmul(attn, dense, o);
    }
}
