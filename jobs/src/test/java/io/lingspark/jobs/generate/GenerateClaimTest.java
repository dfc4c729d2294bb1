package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One writer per output: two jobs started together commit once (the other is refused with exit 5,
 * naming the holder); a live claim refuses every kind of run and leaves the holder's files alone; a
 * stale one (its holder died) is taken over only with --break-lock, and what the dead writer left
 * (Spark's _temporary/ and .spark-staging-*, the OpenAI batch and pipeline staging) is removed.
 * Claims are planted as the files a holder on another host would have written.
 */
@Timeout(300)
class GenerateClaimTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.create("local[2]", tmp);
        model = tmp.resolve("model");
        DemoModel.write(model, 7);
    }

    @AfterAll
    static void stop() {
        EngineHolder.closeAll();
        spark.stop();
    }

    static Path input(String name, int n, String extra) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("{\"id\": \"c" + i + "\", \"prompt\": \"claim prompt " + i + "\"" + extra + "}");
        }
        return Files.write(tmp.resolve(name), lines);
    }

    static List<String> args(Path in, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", model.toString(), "--input", in.toString(), "--output",
            out.toString(), "--device", "cpu", "--temperature", "0", "--max-tokens", "4"));
        a.addAll(List.of(more));
        return a;
    }

    /** The files of a claim held by run `run` on another host, last alive `ageS` seconds ago. */
    static void plantClaim(Path out, String run, long ageS) throws IOException {
        Path dir = Files.createDirectories(out.resolve("_lingspark"));
        String token = "token-of-" + run;
        Files.writeString(dir.resolve("lock"), "{\"run_id\": \"" + run + "\", \"host\": \"elsewhere\", \"pid\": 42, "
            + "\"started_at\": \"2026-11-29T08:00:00Z\", \"token\": \"" + token + "\"}");
        Files.writeString(dir.resolve("heartbeat"), "{\"run_id\": \"" + run + "\", \"token\": \"" + token + "\"}");
        FileTime t = FileTime.from(Instant.now().minusSeconds(ageS));
        Files.setLastModifiedTime(dir.resolve("lock"), t);
        Files.setLastModifiedTime(dir.resolve("heartbeat"), t);
    }

    /** What a writer killed mid-job leaves: committed task files, staging of every kind. Returns them. */
    static List<Path> plantLeftovers(Path out, Path partFile) throws IOException {
        List<Path> left = List.of(
            out.resolve(".spark-staging-dead/run_id=dead/part-00000-dead.c000.zstd.parquet"),
            out.resolve("_temporary/0/task_202611290800_0001_m_000000/run_id=dead/part-00001-dead.c000.zstd.parquet"),
            out.resolve("_openai_batch/staging-dead/part-00000-dead.txt"),
            out.resolveSibling("." + out.getFileName() + ".lingspark-staging/dead/input/part-00000-x.parquet"));
        for (Path p : left) {
            Files.createDirectories(p.getParent());
            Files.copy(partFile, p); // real rows: published by mistake, they would show as duplicates
        }
        return left;
    }

    static Path aPartFile(Path out) throws IOException {
        try (Stream<Path> files = Files.walk(out)) {
            return files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
    }

    @Test
    void twoJobsStartedTogetherOnOneOutputCommitOnceAndTheOtherIsRefusedNamingTheHolder() throws Exception {
        Path in = input("together.jsonl", 40, ", \"params\": {\"ignore_eos\": true, \"max_tokens\": 24}");
        Path out = tmp.resolve("together-out");
        CountDownLatch go = new CountDownLatch(1);
        int[] codes = new int[2];
        List<Thread> jobs = new ArrayList<>();
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            for (int j = 0; j < 2; j++) {
                int k = j;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    codes[k] = new CommandLine(new GenerateJob()).execute(args(in, out, "--run-id", "run" + k,
                        "--partitions", "2").toArray(String[]::new));
                });
                t.start();
                jobs.add(t);
            }
            go.countDown();
            for (Thread t : jobs) {
                t.join(240_000);
            }
        } finally {
            System.setErr(err);
        }
        String said = buf.toString(StandardCharsets.UTF_8);
        System.err.print(said);
        int[] sorted = codes.clone();
        Arrays.sort(sorted);
        assertEquals("[0, 5]", Arrays.toString(sorted), "one job commits, the other is refused: " + said);
        String winner = codes[0] == 0 ? "run0" : "run1";
        Dataset<Row> rows = spark.read().parquet(out.toString());
        assertEquals(40, rows.count(), "one row per id");
        assertEquals(40, rows.select("id").distinct().count());
        assertEquals(List.of(winner), rows.select("run_id").distinct().collectAsList().stream().map(r -> r.getString(0)).toList());
        // Refused while the winner held the claim ("being written by run X on host ..."), or, had it
        // already finished, because the output holds its run: either way the line names the run.
        String refusal = said.lines().filter(l -> l.startsWith("lingspark generate: output error:")).findFirst().orElseThrow();
        assertTrue(refusal.contains("being written by run " + winner + " on host ") || refusal.contains("[" + winner + "]"),
            refusal);
        assertFalse(Files.exists(out.resolve("_lingspark/lock")), "the claim is released at the end");
    }

    @Test
    void aLiveClaimRefusesEveryKindOfRunAndLeavesTheHoldersFilesAlone() throws Exception {
        Path in = input("live.jsonl", 4, "");
        Path out = tmp.resolve("live-out");
        assertEquals(0, JobRun.of(args(in, out, "--run-id", "r1")).code());
        plantClaim(out, "other", 5);
        List<Path> left = plantLeftovers(out, aPartFile(out));
        String lock = Files.readString(out.resolve("_lingspark/lock"));
        for (List<String> more : List.of(List.of("--resume"), List.of("--resume", "--break-lock"), List.of("--overwrite"),
            List.of("--resume", "--pipeline-stages", "2", "--cpu-threads", "1"))) {
            List<String> a = args(in, out, more.toArray(String[]::new));
            JobRun r = JobRun.of(a);
            assertEquals(5, r.code(), more + ": " + r.err());
            assertEquals(1, r.ownLines().size(), r.ownLines().toString());
            assertTrue(r.ownLines().get(0).contains("is being written by run other on host elsewhere (pid 42) since "
                + "2026-11-29T08:00:00Z, last heartbeat "), r.ownLines().get(0));
        }
        for (Path p : left) {
            assertTrue(Files.exists(p), "a live writer's files are its own: " + p);
        }
        assertEquals(lock, Files.readString(out.resolve("_lingspark/lock")), "the claim is untouched");
        assertEquals(4, spark.read().parquet(out.toString()).count());
    }

    @Test
    void aStaleClaimIsTakenOverOnlyWithBreakLockAndTheDeadWritersLeftoversAreRemoved() throws Exception {
        Path out = tmp.resolve("stale-out");
        assertEquals(0, JobRun.of(args(input("stale4.jsonl", 4, ""), out, "--run-id", "r1")).code());
        plantClaim(out, "dead", 7200);
        List<Path> left = plantLeftovers(out, aPartFile(out));
        Path in = input("stale8.jsonl", 8, "");
        JobRun refused = JobRun.of(args(in, out, "--resume", "--run-id", "r2"));
        assertEquals(5, refused.code(), refused.err());
        assertTrue(refused.ownLines().get(0).contains("is claimed by run dead on host elsewhere (pid 42)")
            && refused.ownLines().get(0).contains("stale") && refused.ownLines().get(0).contains("--break-lock"),
            refused.ownLines().get(0));
        assertTrue(Files.exists(left.get(0)), "nothing removed without the claim");

        JobRun taken = JobRun.of(args(in, out, "--resume", "--break-lock", "--run-id", "r2"));
        assertEquals(0, taken.code(), taken.err());
        assertTrue(taken.err().contains("lingspark: took over the stale claim of run dead on host elsewhere"), taken.err());
        assertTrue(taken.err().contains("lingspark generate: removed what a crashed job left in " + out + ": "), taken.err());
        for (Path p : left) {
            assertFalse(Files.exists(p), "removed: " + p);
        }
        assertFalse(Files.exists(out.resolve("_lingspark/lock")), "released at the end");
        Dataset<Row> rows = spark.read().parquet(out.toString());
        assertEquals(8, rows.count(), "4 ids from r1, 4 from r2, nothing of the dead writer's");
        assertEquals(8, rows.select("id").distinct().count());
    }

    @Test
    void leftoversWithoutAClaimAreRemovedBeforeTheRun() throws Exception {
        Path out = tmp.resolve("left-out");
        assertEquals(0, JobRun.of(args(input("left4.jsonl", 4, ""), out, "--run-id", "r1")).code());
        Path part = aPartFile(out);
        // a driver killed after its tasks committed into the dynamic-overwrite staging, and a dead pipeline run
        Path staged = out.resolve(".spark-staging-0f0f/run_id=gone/part-00000-0f0f.c000.zstd.parquet");
        Path pipeline = out.resolveSibling(".left-out.lingspark-staging/gone/output/batch=0/part-00000-y.parquet");
        for (Path p : List.of(staged, pipeline)) {
            Files.createDirectories(p.getParent());
            Files.copy(part, p);
        }
        JobRun r = JobRun.of(args(input("left8.jsonl", 8, ""), out, "--resume", "--run-id", "r2"));
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(out.resolve(".spark-staging-0f0f")), "the dead job's staging is gone");
        assertFalse(Files.exists(out.resolveSibling(".left-out.lingspark-staging")));
        assertTrue(r.err().contains("removed what a crashed job left in " + out + ": .spark-staging-0f0f/, "
            + ".left-out.lingspark-staging/"), r.err());
        assertEquals(8, spark.read().parquet(out.toString()).count());
    }
}
