package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.step.ForwardBatch;

/**
 * A loaded Ling model as the model runner sees it, split like vLLM's model files: {@link #embed},
 * {@link #layers} over a layer range on intermediate tensors, and {@link #logits} kept on the device.
 * A runner chains them for a whole model; a pipeline stage runs its own range. Ling 2.0 and 2.5 are
 * the same class ({@link LingModel}) with different attention strategies per layer.
 */
public interface CausalLm extends AutoCloseable {
    LingConfig config();

    Backend backend();

    /** Decoder layers of the whole model. */
    int numLayers();

    /** The layers this engine holds (a pipeline stage's range, or all) and whether it holds the embedding and head. */
    default ModelSlice slice() {
        return ModelSlice.whole(config());
    }

    /**
     * What each layer of the slice keeps per sequence (local layer i is decoder layer slice().firstLayer() + i),
     * in blocks of blockSize tokens.
     */
    CacheSpec cacheSpec(int blockSize);

    /** The step's token embeddings: the residual stream [T, H] (fp32) that the layers update. */
    IntermediateTensors embed(ForwardBatch batch);

    /**
     * Decoder layers [from, to) (within the slice) over the batch: reads and writes their caches in pool, updates the
     * residual stream in place and returns it. routing (may be null) receives, per MoE layer l in the
     * range, the chosen expert ids [T·k] at index l − first_k_dense_replace.
     */
    IntermediateTensors layers(ForwardBatch batch, CachePool cache, IntermediateTensors hidden, int from, int to,
                               int[][] routing);

    /** Final norm and lm_head on the given rows of the residual stream: logits [rows, V] fp32, on the device. */
    Tensor logits(IntermediateTensors hidden, int[] rows);

    /** Frees the step's residual stream (a no-op for arena-backed tensors). */
    default void release(IntermediateTensors hidden) {
        backend().free(hidden.hidden());
    }

    @Override
    void close();
}
