package io.lingspark.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.jobs.generate.RowWork;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A generate_until document shows its generated pieces to the progress bar while it is in flight (as
 * generate's rows do); a scored document has none to show.
 */
class EvalWorkStreamTest {
    @Test
    void generatedDocumentsStreamPiecesAndScoredOnesDoNot() throws Exception {
        DocRequest gen = new DocRequest("t", 0, OutputType.GENERATE_UNTIL, "Q: 1+1?\nA:", null, null,
            new GenerationKwargs(List.of(), 12, 0, false), null, null, List.of("2"), null, null);
        DocRequest scored = new DocRequest("t", 1, OutputType.LOGLIKELIHOOD, "Q: 1+1?\nA:", List.of(" 2"), null,
            null, null, null, List.of(" 2"), null, null);
        EvalWork work = new EvalWork(Map.of(), Map.of("g", gen, "s", scored), "run");
        try (Engine engine = LingEngine.open(EngineOptions.of(EvalJobTest.MODEL))) {
            RowWork.Task task = work.open(engine, 0);
            RowWork.Item g = task.submit("g", null);
            RowWork.Item s = task.submit("s", null);
            g.done().get();
            s.done().get();
            // random weights rarely stop early; every piece is one token or a few (a split character waits)
            assertTrue(g.streamed() > 0 && g.streamed() <= 12, "pieces: " + g.streamed());
            assertEquals(0, s.streamed());
        }
    }
}
