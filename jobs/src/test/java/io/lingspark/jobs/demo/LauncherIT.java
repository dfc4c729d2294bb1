package io.lingspark.jobs.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main-job command itself, `bin/lingspark demo`, on the jars this build packaged:
 * the first run writes the launcher's class-data-sharing archive at its exit, the second starts
 * from it; both exit 0 with every example prompt answered.
 */
class LauncherIT {
    @TempDir
    Path tmp;

    @Test
    void binLingsparkDemoExitsZeroWritingThenUsingItsCdsArchive() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize(); // failsafe runs in jobs/
        Path cds = root.resolve("jobs/target/cds");
        deleteArchives(cds);
        long prompts = Files.readAllLines(root.resolve("examples/prompts.jsonl")).stream()
            .filter(l -> !l.isBlank()).count();
        for (int run = 1; run <= 2; run++) {
            Path work = tmp.resolve("run" + run);
            Path log = tmp.resolve("run" + run + ".log");
            Process p = new ProcessBuilder(root.resolve("bin/lingspark").toString(), "demo", "--work-dir",
                work.toString(), "--max-tokens", "4").redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(4, TimeUnit.MINUTES), "demo run " + run + " did not finish");
            assertEquals(0, p.exitValue(), Files.readString(log));
            JsonNode status = new ObjectMapper().readTree(work.resolve("status.json").toFile());
            assertEquals("succeeded", status.get("state").asText());
            assertEquals(prompts, status.get("rows_done").asLong());
            try (Stream<Path> files = Files.list(cds)) {
                List<Path> archives = files.toList();
                assertEquals(1, archives.size(), "one published archive, no leftovers: " + archives);
                assertTrue(archives.get(0).getFileName().toString().endsWith(".jsa"), archives.toString());
            }
        }
    }

    private static void deleteArchives(Path cds) throws Exception {
        if (Files.isDirectory(cds)) {
            try (Stream<Path> files = Files.list(cds)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
        }
    }
}
