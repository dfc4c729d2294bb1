package io.lingspark.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline across two executor JVMs (local-cluster, one core each, a task resource profile giving
 * each rank an executor): the output equals the single engine's, and an executor JVM killed in the
 * middle of a batch costs only a rerun of that batch. Tagged "cluster".
 */
@org.junit.jupiter.api.Tag("cluster")
class GeneratePipelineClusterTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;
    static Path input;

    @BeforeAll
    static void start() throws Exception {
        model = tmp.resolve("model");
        DemoModel.write(model, 21);
        input = PipelineOutputs.input(tmp, "in", 30);
        spark = SparkTestSession.localCluster(tmp, Map.of("spark.executor.cores", "1", "spark.barrier.sync.timeout", "120s",
            "spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s",
            "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "60"));
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static int generate(String out, String... extra) {
        // --seed: the duplicate p1 has no seed of its own
        return PipelineOutputs.generate(model, input, tmp.resolve(out), out,
            java.util.List.of("--cpu-threads", "1", "--max-tokens", "16", "--seed", "7"), extra);
    }

    @Test
    void twoExecutorJvmsAsOnePipelineAndAKilledExecutor() {
        assertEquals(3, spark.sparkContext().getExecutorMemoryStatus().size(), "driver + 2 executors");
        assertEquals(0, generate("single", "--partitions", "2"));
        Map<String, String> single = PipelineOutputs.rows(spark, tmp.resolve("single"));
        assertEquals(0, generate("pp2", "--pipeline-stages", "2", "--batch-rows", "12"));
        assertEquals(single, PipelineOutputs.rows(spark, tmp.resolve("pp2")));

        spark.conf().set(PipelineRun.FAIL_HOOK, "exit:1:10"); // rank 1's executor JVM exits mid-batch 0
        try {
            assertEquals(0, generate("pp2-kill", "--pipeline-stages", "2", "--batch-rows", "12"));
        } finally {
            spark.conf().unset(PipelineRun.FAIL_HOOK);
        }
        assertEquals(single, PipelineOutputs.rows(spark, tmp.resolve("pp2-kill")));
        assertTrue(spark.read().parquet(tmp.resolve("pp2-kill").toString()).where("attempt >= 1").count() > 0,
            "batch 0 was generated again after the executor died");
    }
}
