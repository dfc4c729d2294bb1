package io.lingspark.engine.backend;

import java.util.List;

/**
 * How the rows of one batched step map to sequences. The step's activations are all chunks'
 * tokens concatenated ([T, H], T = Σ lengths), so every matrix product reads each weight once for
 * the whole batch; only attention needs to know which rows belong to which sequence.
 *
 * @param chunks    per sequence: its cache, first row in the batch, token count, first position
 * @param positions per row: absolute position of the token (= tokens before it in its sequence)
 */
public record BatchLayout(List<Chunk> chunks, int[] positions) {
    public record Chunk(KvCache cache, int row, int length, int startPos) {
    }

    public int rows() {
        return positions.length;
    }
}
