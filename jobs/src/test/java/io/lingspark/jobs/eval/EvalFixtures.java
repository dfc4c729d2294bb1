package io.lingspark.jobs.eval;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The example tasks, their documents read as Spark reads JSON (integers as longs), and task files written for a test. */
final class EvalFixtures {
    static final Path EXAMPLES = Path.of("..", "examples", "eval").toAbsolutePath().normalize();
    static final Path ARITHMETIC = EXAMPLES.resolve("arithmetic/arithmetic.yaml");
    static final Path CAPITALS = EXAMPLES.resolve("capitals/capitals.yaml");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

    private EvalFixtures() {
    }

    /** A split's documents, file after file. */
    static List<Map<String, Object>> docs(TaskConfig task, String split) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Path f : task.data().files(split)) {
            out.addAll(readJsonl(f));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> readJsonl(Path file) {
        try {
            List<Map<String, Object>> out = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    out.add(JSON.readValue(line, Map.class));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a task file (and data files: name → JSON lines) into dir; returns the task file. */
    static Path task(Path dir, String yaml, Map<String, String> dataFiles) {
        try {
            for (Map.Entry<String, String> e : dataFiles.entrySet()) {
                Path p = dir.resolve(e.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, e.getValue());
            }
            Path file = dir.resolve("task.yaml");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** reference.json, written by make_reference.py from CPython's random, jinja2 and numpy. */
    static JsonNode reference() {
        try (InputStream in = EvalFixtures.class.getResourceAsStream("/eval/reference.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
