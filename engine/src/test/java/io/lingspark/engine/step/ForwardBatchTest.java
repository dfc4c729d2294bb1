package io.lingspark.engine.step;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

/** Which rows a step computes logits for: the last (sampling), or those from a position on (scoring). */
class ForwardBatchTest {
    static ForwardBatch batch() {
        int[] t = new int[64];
        return ForwardBatch.builder()
            .add(1, t, 0, 10, 0, new int[] {0}, -1, ForwardBatch.Logits.LAST)                  // rows 0-9
            .add(2, t, 0, 20, 30, new int[] {1, 2, 3}, -1, ForwardBatch.Logits.ALL, -1, -1, 45) // rows 10-29, positions 30-49
            .add(3, t, 0, 5, 0, new int[] {4}, -1, ForwardBatch.Logits.NONE)                   // rows 30-34
            .add(4, t, 0, 4, 8, new int[] {5}, -1, ForwardBatch.Logits.ALL)                    // rows 35-38, all
            .add(5, t, 0, 6, 60, new int[] {6, 7, 8, 9, 10}, -1, ForwardBatch.Logits.ALL, -1, -1, 70) // before its first scored row
            .copyBlock(2, 11)
            .build();
    }

    @Test
    void scoredRowsStartAtLogitsFrom() {
        ForwardBatch b = batch();
        assertArrayEquals(new int[] {9}, b.sampleRows());
        assertArrayEquals(new int[] {25, 26, 27, 28, 29, 35, 36, 37, 38}, b.scoreRows());
        assertArrayEquals(new int[] {9, 25, 26, 27, 28, 29, 35, 36, 37, 38}, b.logitRows());
        assertEquals(0, b.seqs().get(4).logitRowCount());
        assertArrayEquals(new int[] {2, 11}, b.blockCopies());
    }

    @Test
    void aStepSurvivesJavaSerialization() throws Exception {
        ForwardBatch b = batch();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(b);
        }
        ForwardBatch back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (ForwardBatch) in.readObject();
        }
        assertArrayEquals(b.scoreRows(), back.scoreRows());
        assertArrayEquals(b.blockCopies(), back.blockCopies());
        assertEquals(45, back.seqs().get(1).logitsFrom());
    }
}
