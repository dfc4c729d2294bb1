package io.lingspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The jobs module reaches the engine through its API packages (runtime, command, config, ...), never
 * through engine.cli, the engine's own commands; only the launcher lists those as subcommands.
 */
class ModuleBoundaryTest {
    @Test
    void onlyTheLauncherNamesTheEnginesCommands() throws IOException {
        Path src = Path.of("src/main/java");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(src)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                .filter(p -> !p.endsWith(Path.of("io/lingspark/jobs/cli/LingSparkCli.java")))
                .filter(p -> {
                    try {
                        return Files.readString(p).contains("io.lingspark.engine.cli");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .map(Path::toString).toList();
        }
        assertEquals(List.of(), offenders);
    }
}
