package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.step.ForwardBatch;

/**
 * One decoder layer, the same in Ling 2.0 and 2.5 (§2.4, §5.1): RMSNorm → attention → residual →
 * RMSNorm → dense SwiGLU or MoE → residual. Only the attention differs (GQA, MLA, linear).
 */
final class DecoderLayer {
    Weight inputNorm;     // [1, H]
    Attention attention;
    Weight postNorm;      // [1, H]
    FeedForward mlp;

    /**
     * x [T, H] += attention(norm(x)); x += mlp(norm(x)). chosen (MoE layers, may be null) receives the
     * expert ids [T·k].
     */
    void forward(Backend be, ForwardBatch batch, CachePool pool, int cacheLayer, Tensor x, Scratch s, float eps,
                 int[] chosen) {
        Tensor a = s.get("normed", x.cols(), false);
        Tensor o = s.get("out", x.cols(), true); // projection outputs stay fp32 until the residual add
        be.rmsNorm(x, inputNorm, eps, a);
        attention.forward(be, batch, pool, cacheLayer, a, o, s);
        be.add(x, o);
        be.rmsNorm(x, postNorm, eps, a);
        mlp.forward(be, a, o, chosen);
        be.add(x, o);
    }
}
