package io.lingspark.engine.model;

import io.lingspark.engine.config.LingConfig;
import java.util.function.Predicate;

/**
 * What part of a model one engine holds: decoder layers [firstLayer, lastLayer), and whether it holds
 * the embedding (the first pipeline stage) and the head (final norm, lm_head: the last stage). A whole
 * model is the one slice that holds everything.
 */
public record ModelSlice(int firstLayer, int lastLayer, boolean embedding, boolean head) {
    public ModelSlice {
        if (firstLayer < 0 || lastLayer < firstLayer) {
            throw new IllegalArgumentException("layers [" + firstLayer + ", " + lastLayer + ")");
        }
    }

    public static ModelSlice whole(LingConfig c) {
        return new ModelSlice(0, c.numLayers, true, true);
    }

    public boolean isWhole(LingConfig c) {
        return firstLayer == 0 && lastLayer == c.numLayers && embedding && head;
    }

    public boolean holds(int layer) {
        return layer >= firstLayer && layer < lastLayer;
    }

    /** The checkpoint tensors this slice reads (FP8 scales and expert biases of its layers included). */
    public Predicate<String> tensors(LingConfig c) {
        return name -> {
            if (name.startsWith("model.layers.")) {
                int dot = name.indexOf('.', "model.layers.".length());
                try {
                    return dot > 0 && holds(Integer.parseInt(name.substring("model.layers.".length(), dot)));
                } catch (NumberFormatException e) {
                    return false;
                }
            }
            if (name.startsWith("model.word_embeddings.")) {
                return embedding || (head && c.tieWordEmbeddings);
            }
            return head && (name.startsWith("model.norm.") || name.startsWith("lm_head."));
        };
    }
}
