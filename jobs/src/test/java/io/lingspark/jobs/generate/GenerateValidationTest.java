package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.config.Presets;
import io.lingspark.engine.model.RandomCheckpoint;
import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import io.lingspark.jobs.input.Canonical;
import io.lingspark.jobs.input.InputException;
import io.lingspark.jobs.input.InputFormat;
import io.lingspark.jobs.input.InputReader;
import io.lingspark.jobs.input.InputSpec;
import io.lingspark.jobs.output.OutputException;
import io.lingspark.jobs.output.OutputFormat;
import io.lingspark.jobs.output.OutputSchema;
import io.lingspark.jobs.output.OutputStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Everything the driver does before a task runs (input formats, id hashing, column checks, output
 * folder rules, exit codes). The only generation attempted here fails on its device on purpose.
 */
class GenerateValidationTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;
    static Path badTokenizer;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestSession.create("local[2]", tmp);
        model = tmp.resolve("model");
        DemoModel.write(model, 1);
        // The same weights with a broken tokenizer: the driver must refuse it (exit 3).
        badTokenizer = tmp.resolve("bad-tokenizer");
        RandomCheckpoint.write(badTokenizer, Presets.get("tiny"), 1);
        Files.writeString(badTokenizer.resolve("tokenizer.json"), "{}");
        Files.writeString(badTokenizer.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ messages }}\"}");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Path write(String name, String... lines) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, List.of(lines));
        return p;
    }

    static List<Row> canonical(InputSpec spec) {
        return InputReader.read(spark, spec, OutputSchema.reservedNames()).collectAsList();
    }

    static InputSpec spec(Path p, InputFormat f, List<String> keep) {
        return new InputSpec(p.toString(), f, null, null, null, null, null, keep);
    }

    @Test
    void jsonlRowsGetStableContentHashIdsAndKeepTheirOwn() throws IOException {
        Path p = write("mixed.jsonl",
            "{\"id\": \"a\", \"prompt\": \"one\", \"topic\": \"x\"}",
            "{\"prompt\": \"two\", \"topic\": \"y\"}",
            "{\"prompt\": \"three\", \"params\": {\"max_tokens\": 3}}",
            "{not json");
        List<Row> first = canonical(spec(p, InputFormat.JSONL, List.of("topic")));
        List<Row> again = canonical(spec(p, InputFormat.JSONL, List.of("topic")));
        assertEquals(4, first.size());
        assertEquals("a", first.get(0).getString(0));
        for (int i = 0; i < 4; i++) {
            assertEquals(first.get(i).getString(0), again.get(i).getString(0), "ids are deterministic");
        }
        assertTrue(first.get(1).getString(0).matches("[0-9a-f]{32}"));
        assertNotEquals(first.get(1).getString(0), first.get(2).getString(0));
        assertEquals("{\"max_tokens\": 3}", first.get(2).getString(4), "the row's own text");
        assertEquals("{not json", first.get(3).getString(5), "a malformed line is kept for an error row");
        assertEquals("y", first.get(1).getString(6));
    }

    @Test
    void csvAndOpenAiBatchMapToTheSameCanonicalColumns() throws IOException {
        Path csv = write("chat.csv", "id,messages,params",
            "c1,\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"hi\"\"}]\",\"{\"\"n\"\": 2}\"");
        Row c = canonical(spec(csv, InputFormat.CSV, List.of())).get(0);
        assertEquals("c1", c.getString(0));
        assertTrue(c.getString(2).contains("\"role\":\"user\""));
        assertEquals("{\"n\": 2}", c.getString(4));

        Path batch = write("batch.jsonl",
            "{\"custom_id\": \"r1\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": {\"model\": \"ling\", "
                + "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 5}}");
        Row o = canonical(spec(batch, InputFormat.OPENAI_BATCH, List.of())).get(0);
        assertEquals("r1", o.getString(0));
        assertNull(o.getString(1));
        assertEquals("[{\"role\":\"user\",\"content\":\"hi\"}]", o.getString(2), "keys in the line's order");
        assertEquals("{\"max_tokens\":5}", o.getString(4), "only sampling keys become params");
    }

    @Test
    void parquetAndTablesKeepColumnTypes() {
        spark.sql("select cast(id as bigint) id, concat('p', id) prompt, id * 2 score from range(5)")
            .write().mode("overwrite").parquet(tmp.resolve("in.parquet").toString());
        List<Row> rows = canonical(new InputSpec(tmp.resolve("in.parquet").toString(), InputFormat.PARQUET,
            null, null, null, null, null, List.of("score")));
        assertEquals(5, rows.size());
        Map<String, Long> byId = rows.stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(6)));
        assertEquals(8L, byId.get("4"));
        spark.sql("select 'hi' as question").createOrReplaceTempView("questions");
        Row t = canonical(new InputSpec("questions", InputFormat.TABLE, null, "question", null, null, null, List.of())).get(0);
        assertEquals("hi", t.getString(1));
    }

    @Test
    void missingOrMistypedColumnsFailOnTheDriver() throws IOException {
        Path p = write("nums.jsonl", "{\"prompt\": 5, \"text\": \"t\"}");
        InputException noCol = assertThrows(InputException.class,
            () -> InputReader.read(spark, new InputSpec(p.toString(), InputFormat.JSONL, null, "question", null, null, null, List.of()), OutputSchema.reservedNames()));
        assertTrue(noCol.getMessage().contains("question"), noCol.getMessage());
        assertThrows(InputException.class, () -> canonical(spec(p, InputFormat.JSONL, List.of())), "prompt is a number");
        Path ok = write("ok.jsonl", "{\"prompt\": \"x\", \"text\": \"t\"}");
        assertThrows(InputException.class, () -> canonical(spec(ok, InputFormat.JSONL, List.of("text"))), "clashes with output");
        assertThrows(InputException.class, () -> canonical(spec(tmp.resolve("absent.jsonl"), InputFormat.JSONL, List.of())));
    }

    @Test
    void outputFolderRules() throws IOException {
        Path out = tmp.resolve("out-rules");
        OutputStore store = new OutputStore(spark, out.toString(), OutputFormat.PARQUET);
        assertEquals(List.of(), store.check("r1", false, false));
        Files.createDirectories(out.resolve("run_id=r1"));
        assertThrows(OutputException.class, () -> store.check("r2", false, false), "existing runs need --resume");
        assertEquals(List.of("r1"), store.check("r2", true, false));
        assertThrows(OutputException.class, () -> store.check("r1", true, false), "a run id is never reused");
        assertEquals(List.of("r1"), store.check("r2", false, true), "--overwrite may replace it");
        // With the output's claim held, a crashed job's leftovers are removed (GenerateClaimTest runs jobs on them).
        Files.createDirectories(out.resolve("_temporary/0"));
        Files.createDirectories(out.resolve(".spark-staging-1/run_id=x"));
        List<String> removed = store.removeLeftovers();
        assertEquals(java.util.Set.of("_temporary/", ".spark-staging-1/"), java.util.Set.copyOf(removed));
        assertTrue(Files.exists(out.resolve("run_id=r1")) && !Files.exists(out.resolve("_temporary")));
        Files.writeString(tmp.resolve("out-file"), "x");
        OutputException e = assertThrows(OutputException.class,
            () -> new OutputStore(spark, tmp.resolve("out-file").toString(), OutputFormat.PARQUET).check("r1", false, false));
        assertTrue(e.getMessage().contains("is a file"), e.getMessage());
    }

    static int generate(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            return new CommandLine(new GenerateJob()).execute(args);
        } finally {
            System.setErr(err);
            System.err.print(buf);
        }
    }

    @Test
    void distinctExitCodesForUsageModelInputAndOutput() throws IOException {
        Path in = write("exit.jsonl", "{\"prompt\": \"x\"}");
        String out = tmp.resolve("exit-out").toString();
        assertEquals(2, generate("--model", model.toString(), "--input", in.toString(), "--output", out, "--output-format", "xml"));
        assertEquals(2, generate("--model", model.toString(), "--input", in.toString(), "--output", out, "--temperature", "-1"));
        assertEquals(2, generate("--model", model.toString(), "--input", in.toString()));
        assertEquals(3, generate("--model", tmp.resolve("nope").toString(), "--input", in.toString(), "--output", out));
        assertEquals(3, generate("--model", badTokenizer.toString(), "--input", in.toString(), "--output", out));
        // Valid on the driver, but the executors cannot open the device (where CUDA is missing): exit 3.
        boolean cuda;
        try (var be = io.lingspark.engine.runtime.Backends.open("cuda", 1, 0.1, 0)) {
            cuda = true;
        } catch (RuntimeException e) {
            cuda = false;
        }
        assertEquals(cuda ? 0 : 3, generate("--model", model.toString(), "--input", in.toString(), "--output",
            tmp.resolve("cuda-out").toString(), "--device", "cuda"));
        assertEquals(4, generate("--model", model.toString(), "--input", tmp.resolve("none.jsonl").toString(), "--output", out));
        Path status = tmp.resolve("exit-status.json");
        assertEquals(4, generate("--model", model.toString(), "--input", in.toString(), "--output", out, "--messages-column", "msgs",
            "--status-file", status.toString()));
        assertTrue(Files.readString(status).contains("\"failed\""), "the status file tells a sensor");
        Path file = Files.writeString(tmp.resolve("exit-file-out"), "not a folder");
        assertEquals(5, generate("--model", model.toString(), "--input", in.toString(), "--output", file.toString(),
            "--device", "cpu"));
        assertEquals(2, generate("--model", model.toString(), "--input", in.toString(), "--output", out, "--retry-errors"),
            "--retry-errors goes with --resume");
    }

    @Test
    void optionsAreAlsoReadFromSparkConf() {
        spark.conf().set("spark.lingspark.max-tokens", "7");
        spark.conf().set("spark.lingspark.resume", "true");
        spark.conf().set("spark.lingspark.max-batch-tokens", "1024");
        spark.conf().set("spark.lingspark.max-running", "8");
        spark.conf().set("spark.lingspark.kv-cache-memory", "2GiB");
        try {
            GenerateJob job = new GenerateJob();
            new CommandLine(job).parseArgs("--model", "m", "--input", "i.jsonl", "--output", "o", "--top-k", "3",
                "--max-running", "16");
            assertEquals(7, job.sampling.maxTokens);
            assertTrue(job.resume);
            assertEquals(3, job.sampling.topK);
            assertEquals(1024, job.engine.maxBatchTokens, "engine options from the Spark conf");
            assertEquals(16, job.engine.maxRunning, "the command line wins");
            assertEquals(2L << 30, job.engine.kvCacheMemory);
        } finally {
            for (String k : new String[] {"max-tokens", "resume", "max-batch-tokens", "max-running", "kv-cache-memory"}) {
                spark.conf().unset("spark.lingspark." + k);
            }
        }
    }

    @Test
    void canonicalColumnOrderIsWhatTheGeneratorReads() {
        assertEquals(List.of(Canonical.ID, Canonical.PROMPT, Canonical.MESSAGES, Canonical.TOOLS, Canonical.PARAMS,
            Canonical.CORRUPT), List.of(spark.emptyDataFrame().sparkSession().range(1).selectExpr(
            "'' as " + Canonical.ID, "'' as " + Canonical.PROMPT, "'' as " + Canonical.MESSAGES,
            "'' as " + Canonical.TOOLS, "'' as " + Canonical.PARAMS, "'' as " + Canonical.CORRUPT).columns()));
    }

    @Test
    void progressAddsRunningTasksHeartbeatValuesToMergedAccumulators() {
        io.lingspark.jobs.progress.JobMetrics m = new io.lingspark.jobs.progress.JobMetrics(spark.sparkContext());
        io.lingspark.jobs.progress.ProgressListener l = new io.lingspark.jobs.progress.ProgressListener(m);
        m.requests.add(10); // as if finished tasks had merged 10
        var infos = scala.jdk.javaapi.CollectionConverters.asScala(List.of(
            new org.apache.spark.scheduler.AccumulableInfo(m.requests.id(), scala.Option.empty(), scala.Option.apply(7L),
                scala.Option.empty(), false, false, scala.Option.empty()),
            new org.apache.spark.scheduler.AccumulableInfo(m.errors.get(io.lingspark.engine.runtime.ErrorCode.EMPTY_PROMPT).id(),
                scala.Option.empty(), scala.Option.apply(2L), scala.Option.empty(), false, false, scala.Option.empty()))).toList();
        scala.Tuple4<Object, Object, Object, scala.collection.immutable.Seq<org.apache.spark.scheduler.AccumulableInfo>> task =
            new scala.Tuple4<>(42L, 1, 0, infos);
        l.onExecutorMetricsUpdate(new org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate("1",
            scala.jdk.javaapi.CollectionConverters.asScala(List.of(task)).toList(), scala.collection.immutable.Map$.MODULE$.empty()));
        Map<String, Long> live = l.live();
        assertEquals(17L, live.get("requests"), "10 merged + 7 from the running task's heartbeat");
        assertEquals(2L, live.get("error.EMPTY_PROMPT"));
    }
}
