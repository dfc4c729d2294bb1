package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.BatchLayout;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One batched step laid out as rows: the T tokens of every input one after another, each at its own
 * position after its cache's length, and the rows whose logits were asked for. Both model families
 * build their step from it and end it with {@link #commit} and {@link #logits}.
 *
 * @param ids       [T] token ids
 * @param layout    per input: cache, first row, row count, start position; positions [T]
 * @param logitRows rows whose logits are returned (last row of each input, or all of an allLogits input)
 */
record StepBatch(List<SeqInput> inputs, int[] ids, BatchLayout layout, int[] logitRows) {

    static StepBatch of(List<SeqInput> inputs) {
        int t = 0;
        for (SeqInput in : inputs) {
            t += in.tokens().length;
        }
        int[] ids = new int[t];
        int[] positions = new int[t];
        List<BatchLayout.Chunk> chunks = new ArrayList<>(inputs.size());
        List<Integer> logitRows = new ArrayList<>();
        int row = 0;
        for (SeqInput in : inputs) {
            int start = in.cache().length();
            int n = in.tokens().length;
            if (n == 0) {
                throw new IllegalArgumentException("a step input has no tokens");
            }
            chunks.add(new BatchLayout.Chunk(in.cache(), row, n, start));
            for (int i = 0; i < n; i++) {
                ids[row + i] = in.tokens()[i];
                positions[row + i] = start + i;
                if (in.allLogits() || i == n - 1) {
                    logitRows.add(row + i);
                }
            }
            row += n;
        }
        return new StepBatch(inputs, ids, new BatchLayout(chunks, positions),
            logitRows.stream().mapToInt(Integer::intValue).toArray());
    }

    int tokens() {
        return ids.length;
    }

    int[] positions() {
        return layout.positions();
    }

    /** Every cache now holds this step's tokens. */
    void commit() {
        for (SeqInput in : inputs) {
            in.cache().commit(in.cache().length() + in.tokens().length);
        }
    }

    /** Final norm and lm_head on the asked-for rows of the last hidden state x [T, H]; per input [rows·V]. */
    float[][] logits(Backend be, LingConfig c, Tensor x, Weight finalNorm, Weight lmHead) {
        Tensor last = be.rows(x, logitRows);
        Tensor normed = be.alloc(logitRows.length, c.hiddenSize);
        be.rmsNorm(last, finalNorm, (float) c.rmsNormEps, normed);
        Tensor logits = be.allocF32(logitRows.length, c.vocabSize);
        be.matmul(normed, lmHead, logits);
        float[] all = be.toHost(logits);
        float[][] out = new float[inputs.size()][];
        int v = c.vocabSize;
        int r = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int rowsHere = inputs.get(i).allLogits() ? inputs.get(i).tokens().length : 1;
            out[i] = Arrays.copyOfRange(all, r * v, (r + rowsHere) * v);
            r += rowsHere;
        }
        be.free(last);
        be.free(normed);
        be.free(logits);
        return out;
    }
}
