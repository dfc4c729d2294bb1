package io.lingspark.jobs.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import io.lingspark.jobs.generate.EngineHolder;
import io.lingspark.jobs.generate.GenerateJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The object-store recipe: with a commit protocol that refuses dynamic partition overwrite (as the S3A
 * committers do), each run is written into its own run_id=<run>/ folder, a resume adds a folder, readers see
 * the same table, and a run folder a dead writer never committed is removed, not read as a run.
 */
@Timeout(300)
class ObjectStoreOutputTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.create("local[2]", tmp);
        spark.conf().set("spark.sql.sources.commitProtocolClass", NoDynamicOverwriteCommitProtocol.class.getName());
        model = tmp.resolve("model");
        DemoModel.write(model, 5);
    }

    @AfterAll
    static void stop() {
        spark.conf().unset("spark.sql.sources.commitProtocolClass");
        EngineHolder.closeAll();
        spark.stop();
    }

    static int generate(Path in, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--input", in.toString(),
            "--output", out.toString(), "--device", "cpu", "--temperature", "0", "--max-tokens", "2"));
        args.addAll(List.of(extra));
        return new CommandLine(new GenerateJob()).execute(args.toArray(String[]::new));
    }

    @Test
    void runsGoIntoTheirOwnFoldersWhereDynamicOverwriteIsRefused() throws Exception {
        // what the writer did before: refused by this commit protocol
        Path probe = tmp.resolve("probe");
        Exception refused = assertThrows(Exception.class, () -> spark.range(3).selectExpr("id", "'r' AS run_id").write()
            .partitionBy("run_id").mode(SaveMode.Overwrite).option("partitionOverwriteMode", "dynamic").parquet(probe.toString()));
        assertTrue(String.valueOf(refused).contains("dynamicPartitionOverwrite")
            || String.valueOf(refused.getCause()).contains("dynamicPartitionOverwrite"), String.valueOf(refused));

        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("{\"id\": \"p" + i + "\", \"prompt\": \"hello " + i + "\"}");
        }
        Path in = Files.write(tmp.resolve("in.jsonl"), lines);
        Path out = tmp.resolve("out");
        assertEquals(0, generate(in, out, "--limit", "5", "--run-id", "a"));
        assertTrue(Files.isDirectory(out.resolve("run_id=a")));
        // a dead writer's uncommitted run folder: only the committer's _temporary/
        Files.createDirectories(out.resolve("run_id=dead/_temporary/0/task"));
        Files.writeString(out.resolve("run_id=dead/_temporary/0/task/part-0.parquet"), "partial");
        assertEquals(0, generate(in, out, "--resume", "--run-id", "b"));
        assertFalse(Files.exists(out.resolve("run_id=dead")), "an uncommitted run folder is removed, not read");
        var rows = spark.read().parquet(out.toString());
        assertEquals(8, rows.count());
        assertEquals(8, rows.select("id").distinct().count());
        assertEquals(3, rows.where("run_id = 'b'").count(), "the resume wrote only the missing ids");
        try (var files = Files.list(out)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".spark-staging")));
        }
    }
}
