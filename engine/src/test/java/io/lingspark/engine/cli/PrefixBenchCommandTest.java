package io.lingspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.command.ExitCodes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** bench-prefix runs the batch through the engine and counts what the cache saved (no timing is asserted). */
class PrefixBenchCommandTest {
    @TempDir
    Path dir;

    JsonNode run(String... more) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            String[] base = {"--preset", "tiny", "--dir", dir.toString(), "--requests", "6", "--prefix-len", "64",
                "--tail-len", "8", "--max-tokens", "2", "--cpu-threads", "1"};
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(more))
                .toArray(String[]::new);
            rc = new CommandLine(new PrefixBenchCommand()).execute(args);
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        return new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theSharedPrefixIsComputedOnceWithTheCacheAndEveryTimeWithout() throws Exception {
        JsonNode on = run();
        assertEquals(6 * 72, on.get("prompt_tokens").asLong());
        assertEquals(5 * 64, on.get("cached_prompt_tokens").asLong(), "rows 2..6 take the 4 prefix blocks");
        assertEquals(72 + 5 * 8, on.get("prefill_tokens_computed").asLong());
        JsonNode off = run("--no-prefix-cache");
        assertEquals(0, off.get("cached_prompt_tokens").asLong());
        assertEquals(6 * 72, off.get("prefill_tokens_computed").asLong());
        JsonNode none = run("--sharing", "none");
        assertEquals(0, none.get("cached_prompt_tokens").asLong());
        assertTrue(on.get("wall_s").asDouble() > 0);
        assertEquals(12, on.get("generated_tokens").asLong());
    }

    @Test
    void badSharingIsAUsageError() {
        assertEquals(ExitCodes.USAGE, new CommandLine(new PrefixBenchCommand()).execute("--sharing", "some"));
    }
}
