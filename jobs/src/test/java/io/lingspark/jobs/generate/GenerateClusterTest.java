package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lingspark.jobs.SparkTestSession;
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
        model = tmp.resolve("model");
        DemoModel.write(model, 3);
        spark = SparkTestSession.localCluster(tmp, java.util.Map.of());
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
