package io.lingspark.engine.step;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One forward step as plain data: what the scheduler decided and the model runner executes, like
 * vLLM's {@code SchedulerOutput} or SGLang's {@code ForwardBatch}. No live objects (no caches, no
 * tensors), so a step can later cross a JVM boundary to a pipeline stage.
 *
 * <p>The step's rows are every sequence's new tokens one after another ([T] rows, T = Σ numNew), so
 * each matrix product reads a weight once for the whole batch; only attention needs to know which
 * rows belong to which sequence, and where its cache blocks are.
 *
 * @param tokenIds  per row: the token fed [T]
 * @param positions per row: its absolute position in its sequence [T]
 * @param seqs      per sequence, in row order
 */
public record ForwardBatch(int[] tokenIds, int[] positions, List<Seq> seqs) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Which logits a sequence wants from this step. */
    public enum Logits {
        /** a prefill chunk that does not reach the end of what the sequence must read */
        NONE,
        /** the last row's: the next token is sampled from it */
        LAST,
        /** every row's (the {@code logits} command, reference checks) */
        ALL
    }

    /**
     * @param seqId       the sequence's id (stable across steps and preemptions)
     * @param firstRow    its first row in the step
     * @param numNew      tokens fed this step (rows firstRow .. firstRow + numNew − 1)
     * @param numComputed tokens already in its cache; the new rows sit at positions numComputed ..
     * @param blockTable  its cache blocks in position order (position p: block blockTable[p / blockSize]),
     *                    enough for numComputed + numNew tokens
     * @param stateSlot   its recurrent-state slot (linear attention), or −1
     * @param logits      which logits it wants
     * @param restoreFrom a prefix-cache state snapshot slot to copy into stateSlot before this step (the
     *                    sequence's first numComputed tokens came from the cache), or −1
     * @param saveTo      a snapshot slot to copy stateSlot into after this step (its chunk ends where a
     *                    shared prefix ends), or −1
     */
    public record Seq(long seqId, int firstRow, int numNew, int numComputed, int[] blockTable, int stateSlot,
                      Logits logits, int restoreFrom, int saveTo) implements Serializable {
        private static final long serialVersionUID = 2L;

        /** Tokens in the cache once this step ran. */
        public int length() {
            return numComputed + numNew;
        }
    }

    public ForwardBatch {
        if (tokenIds.length != positions.length) {
            throw new IllegalArgumentException("tokenIds and positions differ in length");
        }
    }

    /** Rows T of the step. */
    public int rows() {
        return tokenIds.length;
    }

    /** Every sequence feeds exactly one token (a pure decode step: CUDA graphs key on it). */
    public boolean isDecode() {
        for (Seq s : seqs) {
            if (s.numNew != 1) {
                return false;
            }
        }
        return true;
    }

    /** The rows whose logits are wanted, in sequence order (last row, or all rows, of each sequence). */
    public int[] logitRows() {
        int n = 0;
        for (Seq s : seqs) {
            n += s.logits == Logits.ALL ? s.numNew : s.logits == Logits.LAST ? 1 : 0;
        }
        int[] rows = new int[n];
        int i = 0;
        for (Seq s : seqs) {
            if (s.logits == Logits.ALL) {
                for (int r = 0; r < s.numNew; r++) {
                    rows[i++] = s.firstRow + r;
                }
            } else if (s.logits == Logits.LAST) {
                rows[i++] = s.firstRow + s.numNew - 1;
            }
        }
        return rows;
    }

    /** For each row, the index of its sequence in {@link #seqs} [T]. */
    public int[] rowSeq() {
        int[] out = new int[rows()];
        for (int i = 0; i < seqs.size(); i++) {
            Seq s = seqs.get(i);
            Arrays.fill(out, s.firstRow, s.firstRow + s.numNew, i);
        }
        return out;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Appends sequences' chunks in order; rows and positions follow. */
    public static final class Builder {
        private final List<Seq> seqs = new ArrayList<>();
        private int[] ids = new int[16];
        private int[] pos = new int[16];
        private int rows;

        /**
         * Adds one sequence's chunk: tokens (numNew of them, taken from tokens[from ..]) at positions
         * numComputed ...
         */
        public Builder add(long seqId, int[] tokens, int from, int numNew, int numComputed, int[] blockTable,
                           int stateSlot, Logits logits) {
            return add(seqId, tokens, from, numNew, numComputed, blockTable, stateSlot, logits, -1, -1);
        }

        /** {@link #add} with prefix-cache state copies: restoreFrom before the step, saveTo after it (−1: none). */
        public Builder add(long seqId, int[] tokens, int from, int numNew, int numComputed, int[] blockTable,
                           int stateSlot, Logits logits, int restoreFrom, int saveTo) {
            if (numNew <= 0) {
                throw new IllegalArgumentException("a step input has no tokens");
            }
            while (rows + numNew > ids.length) {
                ids = Arrays.copyOf(ids, ids.length * 2);
                pos = Arrays.copyOf(pos, pos.length * 2);
            }
            System.arraycopy(tokens, from, ids, rows, numNew);
            for (int i = 0; i < numNew; i++) {
                pos[rows + i] = numComputed + i;
            }
            seqs.add(new Seq(seqId, rows, numNew, numComputed, blockTable, stateSlot, logits, restoreFrom, saveTo));
            rows += numNew;
            return this;
        }

        public ForwardBatch build() {
            return new ForwardBatch(Arrays.copyOf(ids, rows), Arrays.copyOf(pos, rows), List.copyOf(seqs));
        }
    }
}
