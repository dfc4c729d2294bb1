package io.lingspark.engine.cli;

import io.lingspark.engine.command.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.model.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The chat command's exit codes and output on the tiny fixture model. */
class ChatCommandTest {
    @TempDir
    Path tmp;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        ChatCommand c = new ChatCommand();
        c.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        c.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(c);
        cl.setErr(new java.io.PrintWriter(err, true));
        return cl.execute(args);
    }

    String model() {
        return Fixtures.model("tiny-ling-v2").toString();
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(ExitCodes.USAGE, run("hello"));
        assertEquals(ExitCodes.USAGE, run("--model", model()));
        assertEquals(ExitCodes.USAGE, run("--model", model(), "--temperature", "-1", "hi"));
        assertEquals(ExitCodes.USAGE, run("--model", model(), "--device", "tpu", "hi"));
    }

    @Test
    void missingModelExitsThree() {
        assertEquals(ExitCodes.MODEL, run("--model", tmp.resolve("nope").toString(), "hi"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("does not exist"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badToolsFileExitsFour() throws Exception {
        Path bad = Files.writeString(tmp.resolve("tools.json"), "{\"tools\": 3}");
        assertEquals(ExitCodes.INPUT, run("--model", model(), "--tools-file", bad.toString(), "hi"));
        Path broken = Files.writeString(tmp.resolve("broken.json"), "[{");
        assertEquals(ExitCodes.INPUT, run("--model", model(), "--tools-file", broken.toString(), "hi"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.lines().allMatch(l -> l.startsWith("lingspark chat: ")), e);
    }
    @Test
    void jsonOutputIsTheWholeResult() throws Exception {
        Path tools = Files.writeString(tmp.resolve("tools.json"),
            "[{\"type\": \"function\", \"function\": {\"name\": \"search\", \"parameters\": {}}}]");
        assertEquals(0, run("--model", model(), "--system", "Be brief.", "--tools-file", tools.toString(), "--json",
            "--max-tokens", "5", "--temperature", "0", "--cpu-threads", "1", "Hello"));
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals("chat", node.get("request_id").asText());
        assertTrue(node.get("prompt_tokens").asInt() > 20);
        var choice = node.get("choices").get(0);
        assertTrue(choice.has("text") && choice.has("finish_reason") && choice.has("tool_calls"), choice.toString());
        assertTrue(choice.get("completion_tokens").asInt() <= 5);
    }

    @Test
    void aChoiceConstraintGivesOneOfTheChoices() throws Exception {
        assertEquals(0, run("--model", model(), "--choices", "yes,no,très bien", "--json", "--max-tokens", "12",
            "--seed", "4", "--cpu-threads", "1", "Well?"));
        var choice = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8))
            .get("choices").get(0);
        assertTrue(java.util.List.of("yes", "no", "très bien").contains(choice.get("parsed").asText()), choice.toString());
        assertEquals(choice.get("text").asText(), choice.get("parsed").asText());
        assertEquals(ExitCodes.USAGE, run("--model", model(), "--choices", "a", "--regex", "b", "x"));
        Path bad = Files.writeString(tmp.resolve("schema.json"), "{\"type\": \"object\", \"not\": {}}");
        assertEquals(ExitCodes.INPUT, run("--model", model(), "--json-schema", bad.toString(), "x"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("'not'"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void plainOutputIsTheAnswerAndSeedReproduces() {
        assertEquals(0, run("--model", model(), "--max-tokens", "6", "--seed", "3", "--cpu-threads", "1", "Hi there"));
        String first = out.toString(StandardCharsets.UTF_8);
        out.reset();
        assertEquals(0, run("--model", model(), "--max-tokens", "6", "--seed", "3", "--cpu-threads", "1", "Hi there"));
        assertEquals(first, out.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("tok/s"));
    }
}
