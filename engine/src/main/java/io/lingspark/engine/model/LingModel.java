package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.step.ForwardBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * A Ling model as ling-architecture.md writes it: embedding; decoder layers (§2.4 for Ling 2.0
 * {@code BailingMoeV2ForCausalLM}, §5.1 for Ling/Ring 2.5 {@code BailingMoeV2_5ForCausalLM}, whose
 * layers differ only in their attention); final norm; lm_head. The backend decides how and where
 * each step runs; the runtime decides which tokens a step holds and where their cache lives.
 */
public final class LingModel implements CausalLm {
    final LingConfig config;
    final Backend be;
    final ModelSlice slice;  // the layers (and ends) this engine holds: a pipeline stage, or all
    final Weight embedding;  // [V, H], null unless the slice holds the embedding
    final Weight finalNorm;  // [1, H], null unless it holds the head
    final Weight lmHead;     // [V, H] (the embedding when tied), null unless it holds the head
    final DecoderLayer[] layers; // [slice layers]: decoder layer slice.firstLayer() + i

    LingModel(LingConfig config, Backend be, ModelSlice slice, Weight embedding, Weight finalNorm, Weight lmHead,
              DecoderLayer[] layers) {
        this.config = config;
        this.be = be;
        this.slice = slice;
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
    public int numLayers() {
        return config.numLayers;
    }

    @Override
    public ModelSlice slice() {
        return slice;
    }

    @Override
    public CacheSpec cacheSpec(int blockSize) {
        List<CacheSpec.Layer> ls = new ArrayList<>(layers.length);
        for (DecoderLayer l : layers) {
            ls.add(l.attention.cache());
        }
        return new CacheSpec(blockSize, ls);
    }

    @Override
    public IntermediateTensors embed(ForwardBatch batch) {
        if (embedding == null) {
            throw new IllegalStateException("this slice (layers " + slice.firstLayer() + "-" + (slice.lastLayer() - 1)
                + ") does not hold the embedding");
        }
        Tensor x = be.allocF32(batch.rows(), config.hiddenSize); // the residual stream
        be.embedding(embedding, batch.tokenIds(), x);
        return new IntermediateTensors(x);
    }

    @Override
    public IntermediateTensors layers(ForwardBatch batch, CachePool cache, IntermediateTensors hidden, int from, int to,
                                      int[][] routing) {
        if (from < slice.firstLayer() || to > slice.lastLayer() || from > to) {
            throw new IllegalArgumentException("layers [" + from + ", " + to + ") outside the slice's ["
                + slice.firstLayer() + ", " + slice.lastLayer() + ")");
        }
        Tensor x = hidden.hidden();
        float eps = (float) config.rmsNormEps;
        int t = batch.rows();
        Scratch s = new Scratch(be, t);
        for (int l = from; l < to; l++) {
            int[] chosen = routing != null && config.isMoeLayer(l) ? new int[t * config.numExpertsPerTok] : null;
            int local = l - slice.firstLayer(); // the cache pool holds the slice's layers only
            layers[local].forward(be, batch, cache, local, x, s, eps, chosen);
            if (chosen != null) {
                routing[l - config.firstKDenseReplace] = chosen;
            }
        }
        s.free();
        return hidden;
    }

    @Override
    public Tensor logits(IntermediateTensors hidden, int[] rows) {
        if (lmHead == null) {
            throw new IllegalStateException("this slice (layers " + slice.firstLayer() + "-" + (slice.lastLayer() - 1)
                + ") does not hold the head");
        }
        Tensor last = be.rows(hidden.hidden(), rows);
        Tensor normed = be.alloc(rows.length, config.hiddenSize);
        be.rmsNorm(last, finalNorm, (float) config.rmsNormEps, normed);
        Tensor logits = be.allocF32(rows.length, config.vocabSize);
        be.matmul(normed, lmHead, logits);
        be.free(last);
        be.free(normed);
        return logits;
    }

    @Override
    public void close() {
        be.close();
    }
}
