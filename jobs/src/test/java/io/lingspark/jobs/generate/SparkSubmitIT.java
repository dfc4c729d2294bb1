package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.jobs.demo.DemoModel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar under Spark's own launcher: a child JVM runs org.apache.spark.deploy.SparkSubmit
 * (what $SPARK_HOME/bin/spark-submit execs) with only a Spark distribution's jars on its classpath,
 * so the user-jar class loader, the picocli and engine classes inside the shaded jar, the Jackson
 * Spark provides, spark.lingspark.* options from --conf, and the exit codes are all the real ones.
 */
class SparkSubmitIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Path model;
    static Path input;

    @BeforeAll
    static void setUp() throws IOException {
        model = tmp.resolve("model");
        DemoModel.write(model, 5);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            lines.add("{\"id\": \"s" + i + "\", \"prompt\": \"Tell me about " + i + "\"}");
        }
        lines.add("{\"id\": \"bad\", \"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}");
        input = tmp.resolve("in.jsonl");
        Files.write(input, lines);
    }

    @Test
    void theShadedJarRunsUnderSparkSubmitWithOptionsFromSparkConf() throws Exception {
        Path out = tmp.resolve("out");
        Result r = submit(List.of("--conf", "spark.lingspark.max-tokens=3", "--conf", "spark.lingspark.device=cpu"),
            "--model", model.toString(), "--input", input.toString(), "--output", out.toString(),
            "--output-format", "jsonl", "--temperature", "0", "--run-id", "submitted");
        assertEquals(0, r.code, r.log);
        List<JsonNode> rows = new ArrayList<>();
        try (Stream<Path> files = Files.walk(out)) {
            // data files only: not the job's own bookkeeping (_lingspark/: the claim, the run log), which readers skip
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")
                && !p.getFileName().toString().startsWith(".") && !out.relativize(p).startsWith("_lingspark")).toList()) {
                assertEquals("run_id=submitted", f.getParent().getFileName().toString(), "partitioned by run id");
                for (String line : Files.readAllLines(f)) {
                    rows.add(JSON.readTree(line));
                }
            }
        }
        assertEquals(10, rows.size(), "one row per input id");
        for (JsonNode row : rows) {
            if (row.get("id").asText().equals("bad")) {
                assertEquals("UNKNOWN_ROLE", row.get("error").get("code").asText());
            } else {
                assertTrue(row.path("error").isMissingNode() || row.get("error").isNull(), row.toString());
                assertTrue(row.get("completion_tokens").asInt() <= 3, "spark.lingspark.max-tokens applies: " + row);
            }
        }
    }

    @Test
    void aBrokenModelDirectoryExitsWithTheModelCodeBeforeAnyTask() throws Exception {
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("config.json"), "{\"architectures\": [\"BailingMoeV2ForCausalLM\"]");
        Result r = submit(List.of(), "--model", broken.toString(), "--input", input.toString(),
            "--output", tmp.resolve("never").toString(), "--device", "cpu");
        assertEquals(3, r.code, r.log);
        assertTrue(r.log.contains("model error"), r.log);
        assertTrue(!Files.exists(tmp.resolve("never")), "nothing written");
    }

    private record Result(int code, String log) {
    }

    private static Result submit(List<String> conf, String... jobArgs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-XX:+IgnoreUnrecognized") || a.startsWith("--enable-native")
                || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty")) {
                cmd.add(a); // Spark's module flags, as bin/spark-class passes them
            }
        }
        cmd.add("-Xmx2g");
        cmd.add("-cp");
        cmd.add(Files.readString(Path.of(System.getProperty("lingspark.spark.classpath"))).trim());
        cmd.addAll(List.of("org.apache.spark.deploy.SparkSubmit", "--master", "local[2]",
            "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
            "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.submit.callSystemExitOnMainExit=true",
            "--class", GenerateJob.class.getName()));
        cmd.addAll(conf);
        cmd.add(System.getProperty("lingspark.shaded.jar"));
        cmd.addAll(List.of(jobArgs));
        Path log = Files.createTempFile(tmp, "submit", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("spark-submit did not finish in 5 minutes: " + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
