package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lingspark.jobs.demo.DemoModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The deployment shape: two executor JVMs (local-cluster), each loading its own engine, tasks and
 * settings serialised across processes, one committed row per id. Tagged "cluster" (about 40 s on
 * 2 cores): -DexcludedGroups=cluster leaves it out.
 */
@org.junit.jupiter.api.Tag("cluster")
class GenerateClusterTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;

    @BeforeAll
    static void start() throws Exception {
        String home = System.getenv("SPARK_HOME");
        assumeTrue(home != null, "SPARK_HOME (set by the jobs pom for surefire) is needed for local-cluster");
        Files.createDirectories(Path.of(home, "jars"));
        model = tmp.resolve("model");
        DemoModel.write(model, 3);
        spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("lingspark-cluster-test")
            .config("spark.executor.memory", "768m")
            .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
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

    @Test
    void twoExecutorJvmsGenerateEveryRowOnce() throws Exception {
        assertEquals(3, spark.sparkContext().getExecutorMemoryStatus().size(), "driver + 2 executors");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lines.add("{\"prompt\": \"cluster prompt " + i + "\"}");
        }
        Path in = tmp.resolve("cluster.jsonl");
        Files.write(in, lines);
        Path out = tmp.resolve("cluster-out");
        int code = new CommandLine(new GenerateJob()).execute("--model", model.toString(), "--input", in.toString(),
            "--output", out.toString(), "--device", "cpu", "--cpu-threads", "1", "--temperature", "0",
            "--max-tokens", "4", "--partitions", "4", "--run-id", "c1");
        assertEquals(0, code);
        Dataset<Row> rows = spark.read().parquet(out.toString());
        assertEquals(40, rows.count());
        assertEquals(40, rows.select("id").distinct().count());
        assertEquals(0, rows.where("error is not null").count());
    }
}
