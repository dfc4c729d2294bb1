package io.lingspark.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.command.ExitCodes;
import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import io.lingspark.jobs.generate.EngineHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generate --pipeline-stages 2 with one stage per executor in local mode: each batch is a barrier
 * stage whose two tasks (ranks) link over TCP; the output equals the single engine's row for row
 * (greedy and seeded sampling, n choices, error rows), also when a rank's link dies in the first
 * attempt of a batch (Spark reruns the batch's stage).
 */
class GeneratePipelineTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;
    static Path input;
    static Map<String, String> single;
    static int loadsBefore; // StageHolder.LOADS counts for the whole JVM (other test classes too)

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTestSession.create("local[2]", tmp, Map.of("spark.barrier.sync.timeout", "120s"));
        loadsBefore = StageHolder.LOADS.get();
        model = tmp.resolve("model");
        DemoModel.write(model, 11);
        input = PipelineOutputs.input(tmp, "in", 40);
        assertEquals(0, generate("single", "--pipeline-stages", "1"));
        single = PipelineOutputs.rows(spark, tmp.resolve("single"));
    }

    @AfterAll
    static void stop() {
        EngineHolder.closeAll();
        StageHolder.closeAll();
        spark.stop();
    }

    static int generate(String out, String... extra) {
        return generateRun(out, out, extra);
    }

    static int generateRun(String out, String runId, String... extra) {
        // --seed: the duplicate p1 has no seed of its own
        return PipelineOutputs.generate(model, input, tmp.resolve(out), runId,
            java.util.List.of("--cpu-threads", "1", "--max-tokens", "12", "--seed", "7"), extra);
    }

    @Test
    void twoRanksGiveTheSingleEnginesRows() throws Exception {
        assertEquals(40 + 5 + 2, single.size(), "40 ids, 5 second choices (n = 2), 2 error rows; the duplicate p1 folds");
        assertFalse(single.get("bad-null#0").endsWith("| null"), "a null prompt is an error row: " + single.get("bad-null#0"));
        assertFalse(single.get("bad-params#0").endsWith("| null"), single.get("bad-params#0"));
        assertEquals(0, generate("pp2", "--pipeline-stages", "2", "--batch-rows", "16"));
        assertEquals(single, PipelineOutputs.rows(spark, tmp.resolve("pp2")));
        assertEquals(2, StageHolder.LOADS.get() - loadsBefore, "each rank loaded once, then reused by every batch (3 here) and run");
        assertFalse(Files.exists(tmp.resolve(".pp2.lingspark-staging/pp2")), "staging removed");
    }

    @Test
    void allStagesInEachExecutorGiveTheSingleEnginesRowsToo() {
        // K = S: each executor's engine is a whole in-process pipeline (the multi-GPU node case); no barrier stage
        int engines = EngineHolder.LOADS.get();
        assertEquals(0, generate("pp2-inproc", "--pipeline-stages", "2", "--stages-per-executor", "2"));
        assertEquals(engines + 1, EngineHolder.LOADS.get(), "its own engine, not the single run's (other options)");
        assertEquals(single, PipelineOutputs.rows(spark, tmp.resolve("pp2-inproc")));
    }

    @Test
    void resumeAndTheStatusFileWorkAsInAnyRun() throws Exception {
        assertEquals(0, generateRun("pp2-resume", "first", "--pipeline-stages", "2", "--limit", "20"));
        long first = spark.read().parquet(tmp.resolve("pp2-resume").toString()).select("id").distinct().count();
        Path status = tmp.resolve("pp2-resume-status.json");
        assertEquals(0, generateRun("pp2-resume", "second", "--pipeline-stages", "2", "--resume", "--batch-rows", "8",
            "--status-file", status.toString()));
        // p1's duplicate row is input row 41: the first 20 rows held only p1's own, so the first run generated
        // p1 from it, where a whole run folds both and keeps the duplicate (the lesser prompt)
        Map<String, String> want = new java.util.TreeMap<>(single);
        Map<String, String> got = new java.util.TreeMap<>(PipelineOutputs.rows(spark, tmp.resolve("pp2-resume")));
        assertTrue(got.remove("p1#0") != null && want.remove("p1#0") != null);
        assertEquals(want, got, "the two runs together");
        com.fasterxml.jackson.databind.JsonNode st = new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.toFile());
        assertEquals("succeeded", st.get("state").asText());
        assertEquals(42 - first, st.get("rows_total").asLong(), "40 ids and 2 error rows, less the first run's");
        assertEquals(42 - first, st.get("rows_done").asLong());
        assertEquals(2, st.get("rows_error").asLong());
        assertTrue(st.get("tokens_out").asLong() > 0);
        assertEquals(0, generateRun("pp2-resume", "third", "--pipeline-stages", "2", "--resume"), "nothing left to do");
        assertEquals(42, spark.read().parquet(tmp.resolve("pp2-resume").toString()).select("id").distinct().count());
    }

    @Test
    void aRankWhoseLinkDiesInTheFirstAttemptIsRerunWithTheSameOutput() {
        spark.conf().set(PipelineRun.FAIL_HOOK, "close:1:20"); // after rank 1 sent 20 results
        try {
            assertEquals(0, generate("pp2-fault", "--pipeline-stages", "2", "--batch-rows", "64"));
        } finally {
            spark.conf().unset(PipelineRun.FAIL_HOOK);
        }
        assertEquals(single, PipelineOutputs.rows(spark, tmp.resolve("pp2-fault")));
        assertTrue(spark.read().parquet(tmp.resolve("pp2-fault").toString()).where("attempt >= 1").count() > 0,
            "batch 0 was generated again by a second stage attempt");
    }

    @Test
    void localTaskSlotsComeFromTheMasterNotTheDefaultParallelism() {
        assertEquals(1, PipelineRun.localSlots("local", 1));
        assertEquals(4, PipelineRun.localSlots("local[4]", 1));
        assertEquals(2, PipelineRun.localSlots("local[4,3]", 2), "spark.task.cpus 2");
        assertEquals(Runtime.getRuntime().availableProcessors(), PipelineRun.localSlots("local[*]", 1));
    }

    @Test
    void aPipelineTheClusterOrDevicesCannotHoldIsRefusedBeforeAnyTask() {
        assertEquals(ExitCodes.USAGE, generate("pp3", "--pipeline-stages", "3"), "3 ranks on local[2]");
        assertEquals(ExitCodes.USAGE, generate("pp4", "--pipeline-stages", "4", "--stages-per-executor", "3"));
        assertEquals(ExitCodes.USAGE, generate("pp5", "--stage-layers", "0-0,2-3"), "a split with a gap");
        assertEquals(ExitCodes.MODEL, generate("pp6", "--pipeline-stages", "2", "--device-memory", "2MiB"),
            "stages that do not fit their devices");
        for (String run : new String[] {"pp3", "pp4", "pp5", "pp6"}) {
            assertFalse(Files.exists(tmp.resolve(run)), "nothing written for " + run);
        }
    }
}
