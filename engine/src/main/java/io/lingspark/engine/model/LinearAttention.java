package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.LinearAttentionSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.step.ForwardBatch;

/**
 * Ling 2.5's Lightning linear attention (§5.1): fused MHA QKV → per-head QK-norm → partial NeoX RoPE
 * → gated linear attention with per-head decay over the recurrent state → GroupRMSNorm
 * → ⊙ sigmoid(g_proj(a)) → dense.
 */
final class LinearAttention implements Attention {
    final LinearAttentionSpec spec; // heads, d, g_h = −slope_h · f_ℓ
    final Rope rope;
    final int ropeDim;
    final int groupNormSize;
    final float eps;
    Weight qkv;    // [3·nh·d, H] q | k | v heads
    Weight qNorm;  // [1, d], null without QK-norm
    Weight kNorm;  // [1, d]
    Weight gProj;  // [nh·d, H] output gate
    Weight gNorm;  // [1, nh·d] GroupRMSNorm weight
    Weight dense;  // [H, nh·d]

    LinearAttention(LinearAttentionSpec spec, Rope rope, int ropeDim, int groupNormSize, float eps) {
        this.spec = spec;
        this.rope = rope;
        this.ropeDim = ropeDim;
        this.groupNormSize = groupNormSize;
        this.eps = eps;
    }

    @Override
    public CacheSpec.Layer cache() {
        return new CacheSpec.Layer(CacheSpec.Kind.STATE, spec.stateWidth());
    }

    @Override
    public void forward(Backend be, ForwardBatch batch, CachePool pool, int layer, Tensor a, Tensor o, Scratch s) {
        int nh = spec.heads();
        int d = spec.headDim();
        int[] pos = batch.positions();
        Tensor q = s.get("linear.qkv", 3 * nh * d, false);
        be.matmul(a, qkv, q);
        be.qkNormRope(q, 0, nh, d, qNorm, eps, ropeDim, rope.invFreq, rope.factor, pos);
        be.qkNormRope(q, nh * d, nh, d, kNorm, eps, ropeDim, rope.invFreq, rope.factor, pos);
        Tensor attn = s.get("linear.attn", nh * d, false);
        be.lightningAttention(q, batch, pool, layer, spec, attn);
        Tensor normed = s.get("linear.normed", nh * d, false);
        be.groupRmsNorm(attn, gNorm, groupNormSize, eps, normed);
        Tensor gate = s.get("linear.gate", nh * d, false);
        be.matmul(a, gProj, gate);
        be.sigmoidGate(normed, gate);
        be.matmul(normed, dense, o);
    }
}
