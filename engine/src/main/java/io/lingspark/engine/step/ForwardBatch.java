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
 * @param tokenIds    per row: the token fed [T]
 * @param positions   per row: its absolute position in its sequence [T]
 * @param seqs        per sequence, in row order
 * @param blockCopies cache blocks to copy before the step, as pairs (source, destination) [2·copies]: a
 *                    sequence forked from another gets its own copy of the block they shared only in part
 *                    (vLLM's blocks_to_copy, copy-on-write of a partial block)
 */
public record ForwardBatch(int[] tokenIds, int[] positions, List<Seq> seqs, int[] blockCopies) implements Serializable {
    private static final long serialVersionUID = 2L;

    /** Which logits a sequence wants from this step. */
    public enum Logits {
        /** a prefill chunk that does not reach the end of what the sequence must read */
        NONE,
        /** the last row's: the next token is sampled from it */
        LAST,
        /**
         * every row's from position {@link Seq#logitsFrom} on (the {@code logits} command and reference
         * checks from 0; scoring from the last context token, so the LM head skips the context's rows)
         */
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
     * @param logitsFrom  with ALL: the first position whose row gives logits (rows before it are only read)
     */
    public record Seq(long seqId, int firstRow, int numNew, int numComputed, int[] blockTable, int stateSlot,
                      Logits logits, int restoreFrom, int saveTo, int logitsFrom) implements Serializable {
        private static final long serialVersionUID = 3L;

        /** Tokens in the cache once this step ran. */
        public int length() {
            return numComputed + numNew;
        }

        /** Rows of this step whose logits it wants. */
        public int logitRowCount() {
            return switch (logits) {
                case NONE -> 0;
                case LAST -> 1;
                case ALL -> Math.max(0, length() - Math.max(numComputed, logitsFrom));
            };
        }

        /** Its first row with logits (meaningful when logitRowCount() > 0). */
        int firstLogitRow() {
            return firstRow + numNew - logitRowCount();
        }
    }

    public ForwardBatch {
        if (tokenIds.length != positions.length) {
            throw new IllegalArgumentException("tokenIds and positions differ in length");
        }
        if (blockCopies.length % 2 != 0) {
            throw new IllegalArgumentException("block copies come in (source, destination) pairs");
        }
    }

    public ForwardBatch(int[] tokenIds, int[] positions, List<Seq> seqs) {
        this(tokenIds, positions, seqs, new int[0]);
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

    /** The rows whose logits are wanted, in sequence order (the last row, or the rows from logitsFrom, of each). */
    public int[] logitRows() {
        return rowsOf(null);
    }

    /** The rows a token is sampled from (LAST sequences'), in sequence order. */
    public int[] sampleRows() {
        return rowsOf(Logits.LAST);
    }

    /** The rows that are scored (ALL sequences', from their logitsFrom), in sequence order. */
    public int[] scoreRows() {
        return rowsOf(Logits.ALL);
    }

    private int[] rowsOf(Logits kind) {
        int n = 0;
        for (Seq s : seqs) {
            n += kind == null || s.logits == kind ? s.logitRowCount() : 0;
        }
        int[] rows = new int[n];
        int i = 0;
        for (Seq s : seqs) {
            if (kind == null || s.logits == kind) {
                for (int r = 0, k = s.logitRowCount(), first = s.firstLogitRow(); r < k; r++) {
                    rows[i++] = first + r;
                }
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
        private int[] copies = new int[0];

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
            return add(seqId, tokens, from, numNew, numComputed, blockTable, stateSlot, logits, restoreFrom, saveTo, 0);
        }

        /** {@link #add} with state copies, and with ALL logits only from position logitsFrom on. */
        public Builder add(long seqId, int[] tokens, int from, int numNew, int numComputed, int[] blockTable,
                           int stateSlot, Logits logits, int restoreFrom, int saveTo, int logitsFrom) {
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
            seqs.add(new Seq(seqId, rows, numNew, numComputed, blockTable, stateSlot, logits, restoreFrom, saveTo,
                logitsFrom));
            rows += numNew;
            return this;
        }

        /** Block source is copied into block destination (every layer's rows) before the step runs. */
        public Builder copyBlock(int source, int destination) {
            copies = Arrays.copyOf(copies, copies.length + 2);
            copies[copies.length - 2] = source;
            copies[copies.length - 1] = destination;
            return this;
        }

        public ForwardBatch build() {
            return new ForwardBatch(Arrays.copyOf(ids, rows), Arrays.copyOf(pos, rows), List.copyOf(seqs), copies.clone());
        }
    }
}
