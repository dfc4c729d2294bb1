package io.lingspark.jobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import io.lingspark.jobs.generate.EngineHolder;
import io.lingspark.jobs.generate.GenerateJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Progress where users work: a generate run with no terminal (as under Airflow or YARN) writes its
 * status file to a Hadoop filesystem URI and prints plain progress lines, the last one with the
 * summary's numbers.
 */
class ProgressJobTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String FS_PROP = "spark.hadoop.fs." + RecordingFileSystem.SCHEME + ".impl";
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;

    @BeforeAll
    static void start() {
        // the driver reads the status file's filesystem from spark.hadoop.* (as spark-submit --conf passes it)
        System.setProperty(FS_PROP, RecordingFileSystem.class.getName());
        // running tasks' counters reach the driver with executor heartbeats
        spark = SparkTestSession.create("local[2]", tmp, java.util.Map.of("spark.executor.heartbeatInterval", "100ms"));
        model = tmp.resolve("model");
        DemoModel.write(model, 11);
    }

    @AfterAll
    static void stop() {
        System.clearProperty(FS_PROP);
        EngineHolder.closeAll();
        spark.stop();
    }

    /** Runs the job with stderr captured; returns [exit code, stderr]. */
    static Object[] run(GenerateJob job, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(job).execute(args);
        } finally {
            System.setErr(err);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        System.err.print(text);
        return new Object[] {code, text};
    }

    @Test
    void tokensCountWhileRowsAreStillGenerating() throws Exception {
        // one task, every row in one batch, none stopping early: all rows finish together at the end,
        // so only tokens counted in flight can move the progress before that
        List<String> lines = new ArrayList<>();
        // long enough (8 x 1500 tokens: 8 x 400 took under 2 s on a quiet machine) for several heartbeats while rows generate
        for (int i = 0; i < 8; i++) {
            lines.add("{\"id\": \"q" + i + "\", \"prompt\": \"Tell a long story " + i + "\", \"params\": {\"ignore_eos\": true}}");
        }
        Path in = tmp.resolve("long.jsonl");
        Files.write(in, lines);
        GenerateJob job = new GenerateJob();
        Object[] r = run(job, "--model", model.toString(), "--input", in.toString(), "--output",
            tmp.resolve("out-long").toString(), "--device", "cpu", "--temperature", "0", "--max-tokens", "1500",
            "--partitions", "1", "--max-in-flight", "64", "--status-interval-ms", "200", "--progress-interval-s", "1");
        String text = (String) r[1];
        assertEquals(0, r[0], text);
        Summary summary = job.result().summary();
        assertEquals(8 * 1500, summary.tokensOut());
        List<String> inFlight = text.lines().filter(l -> l.startsWith("lingspark generate progress: 0/8 rows")
            && !l.contains(", 0 tokens out,")).toList();
        assertTrue(!inFlight.isEmpty(), "tokens counted before any row finished: " + text.lines()
            .filter(l -> l.startsWith("lingspark generate")).toList());
        for (String l : inFlight) {
            long tokens = Long.parseLong(l.replaceAll(".*errors, (\\d+) tokens out.*", "$1"));
            assertTrue(tokens <= summary.tokensOut(), l);
        }
    }

    @Test
    void aRunWithoutTerminalLogsProgressLinesAndWritesItsStatusToAHadoopUri() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            lines.add("{\"id\": \"p" + i + "\", \"prompt\": \"Count slowly to " + i + ", please\"}");
        }
        Path in = tmp.resolve("prompts.jsonl");
        Files.write(in, lines);
        Path status = tmp.resolve("remote/status.json");
        RecordingFileSystem.OPS.clear();
        GenerateJob job = new GenerateJob();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(job).execute("--model", model.toString(), "--input", in.toString(), "--output",
                tmp.resolve("out").toString(), "--device", "cpu", "--temperature", "0", "--max-tokens", "12",
                "--max-in-flight", "4", "--status-interval-ms", "200", "--progress-interval-s", "1",
                "--status-file", RecordingFileSystem.uri(status));
        } finally {
            System.setErr(err);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        System.err.print(text);
        assertEquals(0, code, text);
        Summary summary = job.result().summary();

        JsonNode st = JSON.readTree(status.toFile());
        assertEquals("succeeded", st.get("state").asText());
        assertEquals(summary.requests(), st.get("rows_done").asLong());
        assertTrue(RecordingFileSystem.OPS.stream().anyMatch(o -> o.startsWith("rename ") && o.endsWith(" status.json")),
            "written through the Hadoop filesystem: " + RecordingFileSystem.OPS);

        List<String> progress = text.lines().filter(l -> l.startsWith("lingspark generate progress: ")).toList();
        List<String> last = text.lines().filter(l -> l.startsWith("lingspark generate progress: succeeded ")).toList();
        assertTrue(summary.wallS() < 3 || progress.size() >= 1, "a line every second of a " + summary.wallS() + " s run: " + text);
        assertTrue(progress.stream().noneMatch(l -> l.contains("\r")), "no bar control characters in a log");
        assertEquals(1, last.size(), text);
        assertTrue(last.get(0).contains(" " + summary.requests() + "/" + summary.requests() + " rows (100%), ")
            && last.get(0).contains(", " + summary.tokensOut() + " tokens out, "), last.get(0) + " vs\n" + summary.table());
    }
}
