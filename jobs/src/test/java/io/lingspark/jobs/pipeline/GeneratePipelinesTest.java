package io.lingspark.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import io.lingspark.jobs.generate.EngineHolder;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several pipelines at once (local[4]: two pipelines of two ranks): each batch's rows are split
 * between the pipelines by id, each pipeline's rows reach only its rank 0, each rank links only to
 * its own pipeline's ranks, and the output still equals the single engine's row for row.
 */
class GeneratePipelinesTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;
    static Path input;

    @BeforeAll
    static void start() throws Exception {
        // spark.default.parallelism stays 2: the pipelines come from the 4 task slots, not from it
        spark = SparkTestSession.create("local[4]", tmp, Map.of("spark.barrier.sync.timeout", "120s"));
        model = tmp.resolve("model");
        DemoModel.write(model, 13);
        input = PipelineOutputs.input(tmp, "in", 30);
    }

    @AfterAll
    static void stop() {
        EngineHolder.closeAll();
        StageHolder.closeAll();
        spark.stop();
    }

    static int generate(String out, String... extra) {
        return PipelineOutputs.generate(model, input, tmp.resolve(out), out, java.util.List.of("--max-tokens", "10", "--seed", "5"),
            extra);
    }

    @Test
    void twoPipelinesOfTwoRanksGiveTheSingleEnginesRows() {
        assertEquals(0, generate("single", "--cpu-threads", "1"));
        Map<String, String> single = PipelineOutputs.rows(spark, tmp.resolve("single"));
        int loads = StageHolder.LOADS.get();
        assertEquals(0, generate("pp2x2", "--pipeline-stages", "2", "--batch-rows", "20"));
        assertEquals(single, PipelineOutputs.rows(spark, tmp.resolve("pp2x2")));
        assertEquals(loads + 4, StageHolder.LOADS.get(), "2 pipelines x 2 ranks, each loaded once for both batches");
    }

    @Test
    void aPipelineWithoutRowsInABatchClosesCleanly() throws Exception {
        Path few = PipelineOutputs.input(tmp, "few", 3); // 5 ids: each batch of ~1 row leaves a pipeline empty
        assertEquals(0, PipelineOutputs.generate(model, few, tmp.resolve("few"), "few", java.util.List.of("--max-tokens", "4",
            "--seed", "5"), "--pipeline-stages", "2", "--batch-rows", "1"));
        assertEquals(java.util.Set.of("p0#0", "p1#0", "p2#0", "bad-null#0", "bad-params#0"),
            PipelineOutputs.rows(spark, tmp.resolve("few")).keySet());
    }
}
