package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.MlaSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.step.ForwardBatch;

/**
 * Ling 2.5's MLA (§5.1; one layer in every layer_group_size, and the tail): q_a_proj → q_a_layernorm
 * → q_b_proj (or q_proj); kv_a_proj_with_mqa → [c_kv → kv_a_layernorm | k_rope]; interleaved RoPE on
 * q_rope and the shared k_rope; softmax attention with keys and values from kv_b_proj(c_kv) → dense.
 * Only the compressed latent is cached.
 */
final class MlaAttention implements Attention {
    /** q_a_layernorm / kv_a_layernorm are built upstream without an eps argument: the class default. */
    static final float NORM_EPS = 1e-6f;

    final MlaSpec spec;    // scale: (nope + rope)^(−1/2), × mscale² with YaRN mscale_all_dim
    final Rope rope;       // interleaved pairs over qk_rope_head_dim
    final int qLoraRank;   // 0: q_proj
    Weight qA;             // [q_lora, H], null when q_lora_rank is null
    Weight qANorm;         // [1, q_lora]
    Weight qB;             // [nh·(nope + rope), q_lora], or q_proj [nh·(nope + rope), H]
    Weight kvA;            // [kv_lora, H]: rows [0, kv_lora) of kv_a_proj_with_mqa
    Weight kRope;          // [rope, H]: its last rows, the single rope-key head shared by all heads
    Weight kvANorm;        // [1, kv_lora]
    Weight kvB;            // [nh·(nope + v), kv_lora]
    Weight dense;          // [H, nh·v]

    MlaAttention(MlaSpec spec, Rope rope, int qLoraRank) {
        this.spec = spec;
        this.rope = rope;
        this.qLoraRank = qLoraRank;
    }

    @Override
    public CacheSpec.Layer cache() {
        return new CacheSpec.Layer(CacheSpec.Kind.LATENT, spec.latentWidth());
    }

    @Override
    public void forward(Backend be, ForwardBatch batch, CachePool pool, int layer, Tensor a, Tensor o, Scratch s) {
        int nh = spec.heads();
        int nope = spec.nopeDim();
        int ropeDim = spec.ropeDim();
        int qkd = nope + ropeDim;
        int[] pos = batch.positions();
        Tensor q = s.get("mla.q", nh * qkd, false);
        if (qA != null) {
            Tensor qa = s.get("mla.qa", qLoraRank, false);
            Tensor qaNormed = s.get("mla.qaNormed", qLoraRank, false);
            be.matmul(a, qA, qa);
            be.rmsNorm(qa, qANorm, NORM_EPS, qaNormed);
            be.matmul(qaNormed, qB, q);
        } else {
            be.matmul(a, qB, q);
        }
        Tensor ckv = s.get("mla.ckv", spec.kvLoraRank(), false);
        Tensor ckvNormed = s.get("mla.ckvNormed", spec.kvLoraRank(), false);
        Tensor kr = s.get("mla.kRope", ropeDim, false);
        be.matmul(a, kvA, ckv);
        be.rmsNorm(ckv, kvANorm, NORM_EPS, ckvNormed);
        be.matmul(a, kRope, kr);
        // RoPE on the rope part of every q head (after its nope dims) and on the one shared key head.
        be.ropeInterleaved(q, nope, nh, qkd, rope.invFreq, rope.factor, pos);
        be.ropeInterleaved(kr, 0, 1, ropeDim, rope.invFreq, rope.factor, pos);
        Tensor attn = s.get("mla.attn", nh * spec.vDim(), false);
        be.mlaAttention(q, ckvNormed, kr, kvB, batch, pool, layer, spec, attn);
        be.matmul(attn, dense, o);
    }
}
