package io.lingspark.engine.backend;

import java.util.List;

/**
 * What a model (or a pipeline stage's layer range) keeps per sequence, layer by local layer: K and V
 * rows per token (GQA), one latent row per token (MLA), or a fixed recurrent state per sequence
 * (Lightning linear attention). Token rows live in blocks of blockSize tokens that every layer shares
 * (block b holds the same positions in every layer); states live in per-sequence slots.
 */
public record CacheSpec(int blockSize, List<Layer> layers) {
    public enum Kind {
        /** K and V rows of width floats each, per token */
        KV,
        /** one latent row of width floats per token */
        LATENT,
        /** width floats per sequence, whatever its length */
        STATE
    }

    public record Layer(Kind kind, int width) {
    }

    public CacheSpec {
        layers = List.copyOf(layers);
        if (blockSize <= 0) {
            throw new IllegalArgumentException("block size " + blockSize);
        }
    }

    /** Elements one token adds over all layers (K and V count twice). */
    public long elementsPerToken() {
        long n = 0;
        for (Layer l : layers) {
            n += l.kind == Kind.KV ? 2L * l.width : l.kind == Kind.LATENT ? l.width : 0;
        }
        return n;
    }

    /** Elements of one sequence's recurrent state over all layers. */
    public long stateElements() {
        long n = 0;
        for (Layer l : layers) {
            n += l.kind == Kind.STATE ? l.width : 0;
        }
        return n;
    }

    public boolean hasState() {
        return stateElements() > 0;
    }
}
