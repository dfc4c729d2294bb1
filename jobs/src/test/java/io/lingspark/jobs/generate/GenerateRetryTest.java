package io.lingspark.jobs.generate;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Task retries never duplicate or lose a row: master local[2,3] (3 attempts per task) and the job's
 * test hook failing the first attempt of every even partition midway, after it has emitted rows
 * (spark-notes.md §4.1, §5.4). The engine is real; only the task attempt is made to fail.
 */
class GenerateRetryTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.create("local[2,3]", tmp);
        model = tmp.resolve("model");
        DemoModel.write(model, 5);
    }

    @AfterAll
    static void stop() {
        EngineHolder.closeAll();
        spark.stop();
    }

    @Test
    void failedFirstAttemptsDoNotDuplicateOrLoseRows() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            lines.add("{\"id\": \"q" + i + "\", \"prompt\": \"retry prompt " + i + "\"}");
        }
        Path in = tmp.resolve("retry.jsonl");
        Files.write(in, lines);
        Path out = tmp.resolve("retry-out");
        int loadsBefore = EngineHolder.LOADS.get();
        spark.conf().set(GenerateRun.FAIL_HOOK, "10");
        int code;
        try {
            code = new CommandLine(new GenerateJob()).execute("--model", model.toString(), "--input", in.toString(),
                "--output", out.toString(), "--device", "cpu", "--temperature", "0", "--max-tokens", "4",
                "--partitions", "4", "--max-in-flight", "8", "--run-id", "retry");
        } finally {
            spark.conf().unset(GenerateRun.FAIL_HOOK);
        }
        assertEquals(0, code);
        assertEquals(1, EngineHolder.LOADS.get() - loadsBefore, "4 tasks and their retries share one engine");
        Dataset<Row> rows = spark.read().parquet(out.toString());
        assertEquals(120, rows.count(), "no row lost or duplicated");
        assertEquals(120, rows.select("id").distinct().count());
        // Half the partitions committed from their second attempt: the retries really happened.
        long retried = rows.where(col("attempt").equalTo(1)).count();
        assertTrue(retried > 0 && retried < 120, "rows from second attempts: " + retried);
        assertEquals(0, rows.where(col("error").isNotNull()).count());
        try (var files = Files.list(out.resolve("run_id=retry"))) {
            assertEquals(4, files.filter(p -> p.getFileName().toString().startsWith("part-")).count(),
                "one committed file per partition");
        }
    }
}
