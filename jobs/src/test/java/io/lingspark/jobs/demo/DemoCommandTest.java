package io.lingspark.jobs.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.jobs.cli.LingSparkCli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `lingspark demo` through the CLI entry point, in process: its own embedded local Spark, exit 0. */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void demoRunsTheExamplePromptsAndExitsZero() throws Exception {
        Path prompts = Path.of("..", "examples", "prompts.jsonl"); // surefire runs in jobs/
        long lines = Files.readAllLines(prompts).stream().filter(l -> !l.isBlank()).count();
        int code = new CommandLine(new LingSparkCli()).execute("demo", "--work-dir", tmp.toString(),
            "--input", prompts.toString(), "--max-tokens", "8");
        assertEquals(0, code);
        JsonNode status = new ObjectMapper().readTree(tmp.resolve("status.json").toFile());
        assertEquals("succeeded", status.get("state").asText());
        assertEquals(lines, status.get("rows_done").asLong());
        assertEquals(0, status.get("rows_error").asLong());
        try (var runs = Files.list(tmp.resolve("output"))) {
            assertEquals(1, runs.filter(p -> p.getFileName().toString().startsWith("run_id=")).count());
        }
        assertTrue(Files.isRegularFile(tmp.resolve("model/tokenizer.json")));
    }
}
