package io.lingspark.jobs.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.jobs.demo.DemoModel;
import io.lingspark.jobs.generate.GenerateJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A missing input, a missing column or the wrong format fails in seconds, in one line, before Spark starts. */
class InputPreflightTest {
    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void start() {
        model = tmp.resolve("model");
        DemoModel.write(model, 3);
    }

    /** [exit code, stderr]; asserts it took under 5 s and started no Spark session. */
    static Object[] run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        int code;
        try {
            List<String> all = new java.util.ArrayList<>(List.of("--model", model.toString(), "--output", tmp.resolve("out").toString()));
            all.addAll(List.of(args));
            code = new CommandLine(new GenerateJob()).execute(all.toArray(String[]::new));
        } finally {
            System.setErr(old);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        String err = buf.toString(StandardCharsets.UTF_8);
        assertTrue(s < 5, "took " + s + " s");
        assertTrue(SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty(), "no Spark");
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertFalse(err.contains("\tat "), err);
        return new Object[] {code, err.trim()};
    }

    @Test
    void missingPathsColumnsAndFormatsFailBeforeSparkStarts() throws Exception {
        // The first call loads picocli's, Hadoop's and the engine's classes (seconds on a loaded 2-core machine);
        // the time limit is for the checks themselves. A cold bin/lingspark is measured in the README.
        new CommandLine(new GenerateJob()).execute("--model", model.toString(), "--output", "x", "--input", "/nonexistent-*.jsonl"); // a glob: Hadoop's to judge
        Object[] missing = run("--input", tmp.resolve("nope.jsonl").toString());
        assertEquals(4, missing[0]);
        assertTrue(((String) missing[1]).contains("nope.jsonl' does not exist"), (String) missing[1]);

        Path csv = Files.writeString(tmp.resolve("t.csv"), "id,text\n1,hello\n");
        Object[] noPrompt = run("--input", csv.toString());
        assertEquals(4, noPrompt[0]);
        assertTrue(((String) noPrompt[1]).contains("no 'prompt' or 'messages' column") && ((String) noPrompt[1]).contains("--input-format"),
            (String) noPrompt[1]);
        Object[] wrongColumn = run("--input", csv.toString(), "--prompt-column", "body");
        assertTrue(((String) wrongColumn[1]).contains("column 'body' is not in the CSV header"), (String) wrongColumn[1]);

        Path jsonl = Files.writeString(tmp.resolve("t.jsonl"), "{\"prompt\": \"hi\", \"id\": 1}\n{\"prompt\": \"yo\", \"id\": 2, \"lang\": \"en\"}\n");
        Object[] keep = run("--input", jsonl.toString(), "--keep-columns", "lang,source");
        assertTrue(((String) keep[1]).contains("column 'source' is not in the objects of"), (String) keep[1]);
        Object[] asParquet = run("--input", jsonl.toString(), "--input-format", "parquet");
        assertTrue(((String) asParquet[1]).contains("is not a Parquet file"), (String) asParquet[1]);

        Path parquetNamedJson = Files.write(tmp.resolve("p.jsonl"), "PAR1xxxxPAR1".getBytes(StandardCharsets.US_ASCII));
        Object[] parquet = run("--input", parquetNamedJson.toString());
        assertTrue(((String) parquet[1]).contains("is a Parquet file") && ((String) parquet[1]).contains("--input-format parquet"),
            (String) parquet[1]);
    }

    @Test
    void aMissingLocalFileIsSeenWithoutHadoop() throws Exception {
        Path there = Files.writeString(tmp.resolve("there.jsonl"), "{}\n");
        assertTrue(InputPreflight.missingLocalFile(tmp.resolve("gone.jsonl").toString()));
        assertTrue(InputPreflight.missingLocalFile("file://" + tmp.resolve("gone.jsonl")));
        assertTrue(InputPreflight.missingLocalFile("file:" + tmp.resolve("gone.jsonl")));
        assertFalse(InputPreflight.missingLocalFile(there.toString()));
        assertFalse(InputPreflight.missingLocalFile("file://" + there));
        // globs, other schemes and table names are Hadoop's (or Spark's) to judge
        assertFalse(InputPreflight.missingLocalFile(tmp.resolve("gone-*.jsonl").toString()));
        assertFalse(InputPreflight.missingLocalFile(tmp.resolve("gone-{a,b}.jsonl").toString()));
        assertFalse(InputPreflight.missingLocalFile("s3a://bucket/gone.jsonl"));
        assertFalse(InputPreflight.missingLocalFile("hdfs:///gone.jsonl"));
    }

    /**
     * A cold command-line JVM with a mistyped input path fails without starting Spark's configuration, the
     * logging framework or Hadoop's filesystems (the classes loaded are counted, not timed: the count does not depend on the machine's load; the seconds are in the
     * README).
     */
    @Test
    void aColdCommandLineLoadsNeitherSparkNorHadoopForAMissingInput() throws Exception {
        Path log = tmp.resolve("classes.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xlog:class+load=info:file=" + log, "-cp", System.getProperty("java.class.path"),
            "io.lingspark.jobs.cli.LingSparkCli", "generate", "--model", model.toString(), "--input",
            tmp.resolve("typo.jsonl").toString(), "--output", tmp.resolve("cold-out").toString())
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(4, p.exitValue(), out);
        assertTrue(out.contains("typo.jsonl' does not exist") && !out.contains("\tat "), out);
        List<String> loaded = Files.readAllLines(log);
        // Spark's data types may load (the options become the output's schema): a few hundred small classes.
        // What costs seconds is a session's and a context's configuration, the logging framework and Hadoop.
        for (String heavy : List.of(" org.apache.spark.sql.SparkSession ", " org.apache.spark.SparkConf ",
            " org.apache.spark.SparkContext ", " org.apache.logging.log4j.core.", " org.apache.hadoop.conf.Configuration ",
            " org.apache.hadoop.fs.FileSystem ")) {
            assertEquals(List.of(), loaded.stream().filter(l -> l.contains(heavy)).limit(3).toList(), heavy);
        }
        assertTrue(loaded.stream().anyMatch(l -> l.contains(" io.lingspark.jobs.input.InputPreflight ")), "the check ran");
        assertFalse(Files.exists(tmp.resolve("cold-out")), "nothing written");
    }
}
