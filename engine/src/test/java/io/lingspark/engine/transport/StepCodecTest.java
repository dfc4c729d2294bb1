package io.lingspark.engine.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lingspark.engine.runtime.Sampler;
import io.lingspark.engine.runtime.StepResult;
import io.lingspark.engine.step.ForwardBatch;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

/** A scoring step over the pipeline link: logitsFrom, block copies and targets out, scores back, as they were. */
class StepCodecTest {
    @Test
    void scoringStepsAndResultsCrossTheLinkUnchanged() throws Exception {
        try (RootAllocator a = new RootAllocator()) {
            int[] t = {5, 6, 7, 8, 9, 10};
            ForwardBatch b = ForwardBatch.builder().add(3, t, 0, 6, 10, new int[] {0, 1}, 2, ForwardBatch.Logits.ALL, 4, -1, 13)
                .copyBlock(7, 1).build();
            List<int[]> targets = List.of(new int[] {8, 9, 10}, new int[] {9}, new int[] {10});
            StepMessage m = new StepMessage(true, b, new float[6 * 2], List.of(), new int[0], new long[0], targets);
            StepMessage back = new StepCodec(a).decode(new StepCodec(a).encode(m, 2));
            assertArrayEquals(b.scoreRows(), back.batch().scoreRows());
            assertEquals(13, back.batch().seqs().get(0).logitsFrom());
            assertEquals(4, back.batch().seqs().get(0).restoreFrom());
            assertArrayEquals(new int[] {7, 1}, back.batch().blockCopies());
            assertEquals(3, back.scoreTargets().size());
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(targets.get(i), back.scoreTargets().get(i));
            }
            StepResult r = new StepResult(new Sampler.Sample[] {new Sampler.Sample(4, -0.5, new int[0], new double[0])},
                new StepResult.Score[] {new StepResult.Score(8, new double[] {-1.25, -3.5, -0.125}), new StepResult.Score(2,
                    new double[] {-7})});
            ResultCodec.Result got = new ResultCodec(a).decode(new ResultCodec(a).encode(new ResultCodec.Result(r, null)));
            assertEquals(4, got.samples().samples()[0].token());
            assertEquals(2, got.samples().scores().length);
            assertEquals(8, got.samples().scores()[0].argmax());
            assertArrayEquals(new double[] {-1.25, -3.5, -0.125}, got.samples().scores()[0].logprobs());
            assertArrayEquals(new double[] {-7}, got.samples().scores()[1].logprobs());
        }
    }
}
