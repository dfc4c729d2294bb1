package io.lingspark.engine.cli;

import io.lingspark.engine.command.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.tokenizer.TokenizerFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PromptCommandTest {
    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new PromptCommand()).execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Writes fixture case i as a messages file. */
    private static JsonNode writeCase(int i, Path file) throws Exception {
        JsonNode c = TokenizerFixtures.json("chat_template_cases.json").get(i);
        ObjectNode doc = new ObjectMapper().createObjectNode();
        doc.set("messages", c.get("messages"));
        if (!c.get("tools").isNull()) {
            doc.set("tools", c.get("tools"));
        }
        Files.writeString(file, doc.toString());
        return c;
    }

    @Test
    void printsExactPromptAndIds(@TempDir Path dir) throws Exception {
        String model = TokenizerFixtures.modelDir().toString();
        for (int i : new int[] {6, 7}) { // tools, tool calls, a tool response with non-ASCII text
            Path f = dir.resolve("case" + i + ".json");
            JsonNode c = writeCase(i, f);
            String[] base = c.get("add_generation_prompt").asBoolean()
                ? new String[] {"--model", model, "--messages-file", f.toString()}
                : new String[] {"--model", model, "--messages-file", f.toString(), "--no-generation-prompt"};
            Result text = run(base);
            assertEquals(0, text.code(), text.err());
            assertEquals(c.get("text").asText(), text.out());
            String[] withIds = java.util.Arrays.copyOf(base, base.length + 1);
            withIds[base.length] = "--ids";
            Result ids = run(withIds);
            assertEquals(0, ids.code(), ids.err());
            assertEquals(new ObjectMapper().readTree(c.get("ids").toString()), new ObjectMapper().readTree(ids.out()));
        }
    }

    @Test
    void errorsHaveDistinctExitCodes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.json");
        writeCase(0, f);
        assertEquals(2, run("--messages-file", f.toString()).code());
        Result model = run("--model", dir.resolve("nope").toString(), "--messages-file", f.toString());
        assertEquals(3, model.code());
        assertTrue(model.err().contains("no chat template"), model.err());
        Result ids = run("--model", dir.toString(), "--messages-file", f.toString(), "--ids");
        assertEquals(3, ids.code());
        Files.writeString(dir.resolve("bad.json"), "{\"messages\": 3}");
        Result input = run("--model", TokenizerFixtures.modelDir().toString(), "--messages-file", dir.resolve("bad.json").toString());
        assertEquals(4, input.code());
        assertEquals(1, input.err().lines().count(), input.err());
        assertEquals(4, run("--model", TokenizerFixtures.modelDir().toString(), "--messages-file", dir.resolve("missing.json").toString()).code());
    }
}
