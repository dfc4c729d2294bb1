package io.lingspark.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ComparisonTest {
    private static DocResult acc(int docId, double acc) {
        return new DocResult("capitals", docId, Map.of("acc", acc, "acc_norm", acc), null, null, null, null, null, null, null, null,
            null, null, null);
    }

    @Test
    void theDifferenceItsIntervalAndTheFlips() {
        TaskConfig task = TaskConfig.load(EvalFixtures.CAPITALS);
        Random random = new Random(3);
        List<DocResult> earlier = new ArrayList<>();
        List<DocResult> current = new ArrayList<>();
        double sumNow = 0;
        double sumThen = 0;
        List<Integer> up = new ArrayList<>();
        List<Integer> down = new ArrayList<>();
        double[] diffs = new double[200];
        for (int i = 0; i < 200; i++) {
            double then = random.nextDouble() < 0.5 ? 1 : 0;
            double now = random.nextDouble() < 0.15 ? 1 - then : then == 0 && random.nextDouble() < 0.3 ? 1 : then;
            earlier.add(acc(i, then));
            current.add(acc(i, now));
            sumNow += now;
            sumThen += then;
            diffs[i] = now - then;
            if (now > then) {
                up.add(i);
            } else if (now < then) {
                down.add(i);
            }
        }
        earlier.add(acc(500, 1)); // scored only in the earlier run
        current.add(acc(600, 0)); // only in this one
        current.add(DocResult.error("capitals", 700, null, "E", "e"));
        Collections.shuffle(earlier, random); // matched by doc_id, not position
        Comparison.TaskComparison c = Comparison.compare(task, current, earlier, 2000, Comparison.DEFAULT_SEED);
        Comparison.MetricDiff d = c.metrics().get(0);
        assertEquals("acc", d.metric());
        assertEquals(200, d.matched());
        assertEquals(sumNow / 200 - sumThen / 200, d.difference(), 1e-12);
        assertTrue(d.ciLow() < d.difference() && d.difference() < d.ciHigh(), d.toString());
        // a paired interval: about 1.96 standard errors of the per-document differences
        double mean = (sumNow - sumThen) / 200;
        double var = 0;
        for (double diff : diffs) {
            var += (diff - mean) * (diff - mean);
        }
        double se = Math.sqrt(var / 199 / 200);
        assertEquals(2 * 1.96 * se, d.ciHigh() - d.ciLow(), 0.25 * 2 * 1.96 * se);
        assertEquals(up, c.flips().get("acc").becameCorrect());
        assertEquals(down, c.flips().get("acc").becameIncorrect());
        assertEquals(1, c.onlyCurrent());
        assertEquals(1, c.onlyEarlier());
        assertEquals(c, Comparison.compare(task, current, earlier, 2000, Comparison.DEFAULT_SEED)); // fixed seed
    }

    @Test
    void anEarlierRunWithoutTheMetricIsATypedError() {
        TaskConfig task = TaskConfig.load(EvalFixtures.CAPITALS);
        List<DocResult> now = List.of(acc(0, 1), acc(1, 0));
        List<DocResult> then = List.of(new DocResult("capitals", 0, Map.of("acc", 1.0), null, null, null, null, null, null, null, null,
            null, null, null), new DocResult("capitals", 1, Map.of("acc", 1.0), null, null, null, null, null, null, null, null, null, null, null));
        TaskConfigException e = org.junit.jupiter.api.Assertions.assertThrows(TaskConfigException.class,
            () -> Comparison.compare(task, now, then, 100, 1));
        assertTrue(e.getMessage().contains("cannot be compared on acc_norm"), e.getMessage());
    }

    @Test
    void aRunAgainstItselfDiffersByNothing() {
        TaskConfig task = TaskConfig.load(EvalFixtures.CAPITALS);
        List<DocResult> run = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            run.add(acc(i, i % 2));
        }
        Comparison.TaskComparison c = Comparison.compare(task, run, run, 500, 1);
        for (Comparison.MetricDiff d : c.metrics()) {
            assertEquals(0.0, d.difference());
            assertEquals(0.0, d.ciLow());
            assertEquals(0.0, d.ciHigh());
        }
        assertEquals(List.of(), c.flips().get("acc").becameCorrect());
        assertEquals(List.of(), c.flips().get("acc_norm").becameIncorrect());
    }
}
