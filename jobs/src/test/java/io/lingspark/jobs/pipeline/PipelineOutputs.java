package io.lingspark.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Inputs and output comparisons shared by the pipeline job tests. */
final class PipelineOutputs {
    private PipelineOutputs() {
    }

    /**
     * n requests: greedy and seeded sampling (with n = 2 choices on some), a duplicate id, and rows
     * that must become error rows (no prompt, malformed params).
     */
    static Path input(Path dir, String name, int n) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String params = i % 3 == 0 ? "{\"temperature\": 0}"
                : "{\"temperature\": 0.9, \"top_p\": 0.95, \"seed\": " + (100 + i) + (i % 5 == 0 ? ", \"n\": 2" : "") + "}";
            lines.add("{\"id\": \"p" + i + "\", \"prompt\": \"pipeline prompt number " + i + "\", \"params\": " + params + "}");
        }
        lines.add("{\"id\": \"p1\", \"prompt\": \"a duplicate id\"}");
        lines.add("{\"id\": \"bad-null\", \"prompt\": null}");
        lines.add("{\"id\": \"bad-params\", \"prompt\": \"x\", \"params\": {\"temperature\": -3}}");
        Path in = dir.resolve(name + ".jsonl");
        Files.write(in, lines);
        return in;
    }

    /**
     * Runs generate on the CPU from `input` into `output` as run `runId`, with a test class's common
     * options (sampling) and then the call's own (pipeline); returns the exit code.
     */
    static int generate(Path model, Path input, Path output, String runId, List<String> common, String... own) {
        List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--input", input.toString(),
            "--output", output.toString(), "--device", "cpu", "--run-id", runId));
        args.addAll(common);
        args.addAll(List.of(own));
        return new picocli.CommandLine(new io.lingspark.jobs.generate.GenerateJob()).execute(args.toArray(String[]::new));
    }

    /** id#choice -> text | finish_reason | error code, of a run's output. */
    static Map<String, String> rows(SparkSession spark, Path out) {
        Map<String, String> m = new TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).select("id", "choice", "text", "finish_reason", "error.code")
                .collectAsList()) {
            String key = r.getString(0) + "#" + r.get(1);
            String prev = m.put(key, r.getString(2) + " | " + r.getString(3) + " | " + r.getString(4));
            assertEquals(null, prev, "one row per id and choice: " + key);
        }
        return m;
    }
}
