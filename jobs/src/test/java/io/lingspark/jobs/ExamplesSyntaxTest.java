package io.lingspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shell and Python files users copy (examples/, bin/, conf/) at least parse: {@code bash -n} and
 * {@code python3 -m py_compile}, as CI's check for files no Java test runs. Skipped where the interpreter is
 * missing (CI's machine has both).
 */
class ExamplesSyntaxTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void shellScriptsParse() throws Exception {
        List<Path> scripts = files(".sh");
        scripts.addAll(executablesWithShebang(ROOT.resolve("bin"), "sh"));
        assertFalse(scripts.isEmpty());
        assumeTrue(onPath("bash"), "bash not installed");
        for (Path s : scripts) {
            assertEquals("", run("bash", "-n", s.toString()), s + " does not parse");
        }
    }

    @Test
    void pythonExamplesCompile() throws Exception {
        List<Path> scripts = files(".py");
        assertFalse(scripts.isEmpty());
        assumeTrue(onPath("python3"), "python3 not installed");
        for (Path s : scripts) {
            // compile() parses without writing __pycache__ next to the example
            assertEquals("", run("python3", "-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
                s.toString()), s + " does not compile");
        }
    }

    private static List<Path> files(String ext) throws IOException {
        try (Stream<Path> s = Stream.of("examples", "conf", "bin").map(ROOT::resolve).filter(Files::isDirectory)
            .flatMap(d -> {
                try {
                    return Files.walk(d).toList().stream();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            })) {
            return new java.util.ArrayList<>(s.filter(p -> p.toString().endsWith(ext)).sorted().toList());
        }
    }

    private static List<Path> executablesWithShebang(Path dir, String shell) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".sh")).filter(p -> {
                try {
                    String first = Files.readAllLines(p).stream().findFirst().orElse("");
                    return first.startsWith("#!") && first.contains(shell);
                } catch (IOException | java.io.UncheckedIOException e) {
                    return false; // not text
                }
            }).sorted().toList();
        }
    }

    private static boolean onPath(String tool) throws Exception {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
            .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** The command's stderr and stdout, empty when it succeeded silently. */
    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue() == 0 ? out.trim() : "exit " + p.exitValue() + ": " + out;
    }
}
