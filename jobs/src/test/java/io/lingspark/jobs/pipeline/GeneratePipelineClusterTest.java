package io.lingspark.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lingspark.jobs.demo.DemoModel;
import io.lingspark.jobs.generate.GenerateJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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
        String home = System.getenv("SPARK_HOME");
        assumeTrue(home != null, "SPARK_HOME (set by the jobs pom for surefire) is needed for local-cluster");
        Files.createDirectories(Path.of(home, "jars"));
        model = tmp.resolve("model");
        DemoModel.write(model, 21);
        input = PipelineOutputs.input(tmp, "in", 30);
        spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("lingspark-pipeline-cluster-test")
            .config("spark.executor.memory", "768m")
            .config("spark.executor.cores", "1")
            .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.barrier.sync.timeout", "120s")
            .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s")
            .config("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "60")
            .config("spark.sql.warehouse.dir", tmp.resolve("wh").toString())
            .getOrCreate();
        long deadline = System.currentTimeMillis() + 60_000;
        while (spark.sparkContext().getExecutorMemoryStatus().size() < 3 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static int generate(String out, String... extra) {
        String[] base = {"--model", model.toString(), "--input", input.toString(), "--output", tmp.resolve(out).toString(),
            "--device", "cpu", "--cpu-threads", "1", "--max-tokens", "16", "--seed", "7", "--run-id", out}; // --seed: the duplicate p1 has no seed of its own
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return new CommandLine(new GenerateJob()).execute(args);
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
