package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Scoring's log-softmax over a vocabulary-sized fp32 row against a double-precision one. */
class LogSoftmaxTest {
    @Test
    void matchesDoublePrecisionAndTakesTheFirstArgmax() {
        Random rnd = new Random(7);
        int v = 157_184;
        float[] row = new float[2 * v];
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) (rnd.nextGaussian() * 4);
        }
        row[v + 10] = 30;
        row[v + 20] = 30; // a tie: the lowest id, as torch.argmax
        for (int r = 0; r < 2; r++) {
            int[] targets = {0, 10, 20, v - 1};
            StepResult.Score s = LogSoftmax.score(row, r * v, v, targets);
            for (int k = 0; k < targets.length; k++) {
                assertEquals(ScoringTest.Ref.logprob(row, r * v, v, targets[k]), s.logprobs()[k], 1e-9);
            }
            assertEquals(ScoringTest.Ref.argmax(row, r * v, v), s.argmax());
        }
        assertEquals(10, LogSoftmax.score(row, v, v, new int[] {1}).argmax());
    }
}
