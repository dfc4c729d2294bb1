package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.Backend.MoeWeights;
import io.lingspark.engine.backend.MoeSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;

/**
 * The MLP half of a decoder layer, identical in Ling 2.0 and 2.5 (§2.4 steps 9–10 and the MoE
 * block): a dense SwiGLU for layers below first_k_dense_replace, otherwise the routed experts
 * plus the shared expert on the same normed input.
 */
final class FeedForward {
    Weight gateUp;        // dense: [2I, H] (gate | up)
    Weight down;          // dense: [H, I]
    MoeSpec moeSpec;      // routed experts: E, top-k, groups, scale, width m
    MoeWeights moe;       // router [E, H], bias [E], gate|up [2m, H], down [H, m]
    Weight sharedGateUp;  // [2·m·shared, H]
    Weight sharedDown;    // [H, m·shared]

    /** out = MLP(x); chosen (MoE layers, may be null) receives the expert ids [T·k]. */
    void forward(Backend be, Tensor x, Tensor out, int[] chosen) {
        if (moe == null) {
            swiglu(be, x, gateUp, down, out);
            return;
        }
        be.moe(x, moe, moeSpec, out, chosen);
        if (sharedGateUp != null) {
            Tensor s = be.allocF32(x.rows(), out.cols());
            swiglu(be, x, sharedGateUp, sharedDown, s);
            be.add(out, s);
            be.free(s);
        }
    }

    /** down(silu(gate(x)) ⊙ up(x)) with gate|up stacked in one weight. */
    static void swiglu(Backend be, Tensor x, Weight gateUp, Weight down, Tensor out) {
        int n = gateUp.rows() / 2;
        Tensor gu = be.allocF32(x.rows(), 2 * n); // fp32 until silu·up; act is bf16 for the next GEMM
        Tensor act = be.alloc(x.rows(), n);
        be.matmul(x, gateUp, gu);
        be.siluMul(gu, act);
        be.matmul(act, down, out);
        be.free(gu);
        be.free(act);
    }
}
