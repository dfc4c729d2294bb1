package io.lingspark.engine.pipeline;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.TensorPlan;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.TensorInfo;
import java.util.Map;

/**
 * What each part of a model weighs, for splitting it into pipeline stages: the bytes of every decoder
 * layer's weights and of its cache per token (and per sequence, for linear-attention state), and of
 * the embedding and the head (final norm + lm_head). Exact from a checkpoint's tensors, or computed
 * from the configuration for bf16 or FP8 weights.
 *
 * @param layerWeights     [L] weight bytes of layer l
 * @param layerCache       [L] cache bytes one token adds in layer l (K and V, or the MLA latent)
 * @param layerState       [L] recurrent-state bytes one sequence holds in layer l (linear attention)
 * @param embeddingBytes   model.word_embeddings
 * @param headBytes        model.norm + lm_head (+ the embedding again when tied: the last stage holds it too)
 */
public record LayerSizes(long[] layerWeights, long[] layerCache, long[] layerState, long embeddingBytes, long headBytes) {

    public int layers() {
        return layerWeights.length;
    }

    /**
     * Sizes from the configuration: weights bf16, or FP8 (one byte per quantizable weight plus fp32
     * 128×128 block scales, §6.1); expert biases fp32; cache of cacheElementBytes per element (4 on the
     * CPU, 2 on a GPU); recurrent state fp32.
     */
    public static LayerSizes of(LingConfig c, boolean fp8, int cacheElementBytes) {
        TensorPlan plan = TensorPlan.of(c);
        long[] w = new long[c.numLayers];
        long emb = 0;
        long head = 0;
        for (Map.Entry<String, long[]> e : plan.shapes.entrySet()) {
            long n = 1;
            for (long s : e.getValue()) {
                n *= s;
            }
            long bytes = 2 * n;
            if (fp8 && plan.quantizable.contains(e.getKey())) {
                long[] s = e.getValue();
                bytes = n + 4 * ((s[0] + 127) / 128) * ((s[s.length - 1] + 127) / 128);
            }
            int l = layerOf(e.getKey(), c.numLayers);
            if (l >= 0) {
                w[l] += bytes;
            } else if (e.getKey().equals("model.word_embeddings.weight")) {
                emb += bytes;
            } else {
                head += bytes;
            }
        }
        for (int l = 0; l < c.numLayers; l++) {
            if (c.isMoeLayer(l)) {
                w[l] += 4L * c.numExperts; // expert bias, fp32
            }
        }
        return withCache(c, w, emb, c.tieWordEmbeddings ? head + emb : head, cacheElementBytes);
    }

    /** Exact sizes from a checkpoint's tensors (FP8 scales included, MTP layers left out). */
    public static LayerSizes of(Checkpoint ckpt, LingConfig c, int cacheElementBytes) {
        long[] w = new long[c.numLayers];
        long emb = 0;
        long head = 0;
        for (TensorInfo t : ckpt.tensors().values()) {
            if (TensorPlan.isMtp(t.name(), c)) {
                continue;
            }
            int l = layerOf(t.name(), c.numLayers);
            if (l >= 0) {
                w[l] += t.byteLength();
            } else if (t.name().startsWith("model.word_embeddings.")) {
                emb += t.byteLength();
            } else {
                head += t.byteLength();
            }
        }
        return withCache(c, w, emb, c.tieWordEmbeddings ? head + emb : head, cacheElementBytes);
    }

    private static LayerSizes withCache(LingConfig c, long[] w, long emb, long head, int elem) {
        long[] cache = new long[c.numLayers];
        long[] state = new long[c.numLayers];
        for (int l = 0; l < c.numLayers; l++) {
            switch (c.layerKind(l)) {
                case GQA -> cache[l] = 2L * c.numKvHeads * c.headDim * elem;
                case MLA -> cache[l] = (long) (c.kvLoraRank + c.qkRopeHeadDim) * elem;
                case LINEAR -> state[l] = 4L * c.numHeads * c.headDim * c.headDim;
            }
        }
        return new LayerSizes(w, cache, state, emb, head);
    }

    /** The decoder layer a tensor belongs to ("model.layers.N."), or −1. */
    static int layerOf(String name, int layers) {
        String p = "model.layers.";
        if (!name.startsWith(p)) {
            return -1;
        }
        int dot = name.indexOf('.', p.length());
        if (dot < 0) {
            return -1;
        }
        try {
            int l = Integer.parseInt(name.substring(p.length(), dot));
            return l < layers ? l : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
