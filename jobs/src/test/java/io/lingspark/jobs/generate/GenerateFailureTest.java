package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.jobs.FaultFileSystem;
import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a job can fail ends with its documented exit code, one line on stderr that names the
 * root cause, and a status file whose last state is "failed": a full disk under the tasks' writes
 * (a filesystem that fails them, {@link FaultFileSystem}), on the single-engine and the pipeline
 * path, and an Error on the driver before the run has started.
 */
@Timeout(300)
class GenerateFailureTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;
    static Path input;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestSession.create("local[2]", tmp);
        FaultFileSystem.register(spark.sparkContext().hadoopConfiguration());
        model = tmp.resolve("model");
        DemoModel.write(model, 3);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("{\"id\": \"f" + i + "\", \"prompt\": \"failure prompt " + i + "\"}");
        }
        input = tmp.resolve("in.jsonl");
        Files.write(input, lines);
    }

    @AfterAll
    static void stop() {
        EngineHolder.closeAll();
        spark.stop();
    }

    static List<String> args(String output, Path status, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", model.toString(), "--input", input.toString(), "--output",
            output, "--device", "cpu", "--temperature", "0", "--max-tokens", "3", "--status-interval-ms", "200",
            "--status-file", status.toString()));
        a.addAll(List.of(more));
        return a;
    }

    static void assertOneLineAndFailedStatus(JobRun r, String cause, Path status) throws IOException {
        List<String> own = r.ownLines();
        assertEquals(1, own.size(), "one line of the job's own: " + own);
        assertTrue(own.get(0).contains(cause), own.get(0));
        JsonNode st = JSON.readTree(status.toFile());
        assertEquals("failed", st.get("state").asText(), st.toString());
        assertTrue(st.get("message").asText().contains(cause), st.toString());
        assertFalse(st.get("message").asText().contains("\n"), "one line: " + st.get("message"));
        assertTrue(st.hasNonNull("heartbeat_at"), st.toString());
    }

    @Test
    void aFullDiskUnderTheTasksIsExit5WithTheCauseInOneLineAndAFailedStatus() throws IOException {
        Path out = tmp.resolve("full-out");
        Path status = tmp.resolve("full-status.json");
        JobRun r = JobRun.of(args(FaultFileSystem.uri(out), status));
        assertEquals(5, r.code(), r.err());
        assertTrue(r.ownLines().get(0).startsWith("lingspark generate: output error: cannot write to "), r.ownLines().get(0));
        assertOneLineAndFailedStatus(r, "No space left on device", status);
        assertFalse(Files.exists(out.resolve("_lingspark/lock")), "the claim is released after a failure");
    }

    @Test
    void aFullDiskOnThePipelinePathIsExit5Too() throws IOException {
        Path out = tmp.resolve("full-pp-out");
        Path status = tmp.resolve("full-pp-status.json");
        JobRun r = JobRun.of(args(FaultFileSystem.uri(out), status, "--pipeline-stages", "2", "--cpu-threads", "1"));
        assertEquals(5, r.code(), r.err());
        assertOneLineAndFailedStatus(r, "No space left on device", status);
        assertFalse(Files.exists(out.resolve("_lingspark/lock")));
    }

    @Test
    void anErrorOnTheDriverBeforeTheRunStartsIsOneLineAndAFailedStatus() throws IOException {
        // (not an OutOfMemoryError: JUnit aborts the whole run on one that escapes; FailuresTest has that one)
        Path status = tmp.resolve("error-status.json");
        FaultFileSystem.errorOn = "/error-out";
        FaultFileSystem.error = new NoClassDefFoundError("org/apache/hadoop/fs/Missing (simulated)");
        JobRun r;
        try {
            r = JobRun.of(args(FaultFileSystem.uri(tmp.resolve("error-out")), status));
        } finally {
            FaultFileSystem.errorOn = null;
        }
        assertEquals(1, r.code(), r.err());
        assertTrue(r.ownLines().get(0).startsWith("lingspark generate: failed: NoClassDefFoundError: "), r.ownLines().get(0));
        assertOneLineAndFailedStatus(r, "org/apache/hadoop/fs/Missing (simulated)", status);
    }

    @Test
    void aMaxModelLenAboveTheModelsContextIsWarnedAboutWithTheCap() throws IOException {
        int positions = JSON.readTree(model.resolve("config.json").toFile()).get("max_position_embeddings").asInt();
        JobRun r = JobRun.of(List.of("--model", model.toString(), "--input", tmp.resolve("absent.jsonl").toString(),
            "--output", tmp.resolve("len-out").toString(), "--device", "cpu", "--max-model-len", "1000000"));
        assertEquals(4, r.code(), "the missing input still fails the job: " + r.err());
        List<String> warnings = r.ownLines().stream().filter(l -> l.contains("--max-model-len")).toList();
        assertEquals(List.of("lingspark generate: warning: --max-model-len 1000000 is above the model's context "
            + "(max_position_embeddings " + positions + "); using " + positions), warnings);
    }
}
