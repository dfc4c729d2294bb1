package io.lingspark.jobs.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.ScoringRequest;
import io.lingspark.engine.runtime.ScoringResult;
import io.lingspark.jobs.LocalSparkJobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * label on 200 rows of the fixture model (tiny-ling-v2, real Ling chat template): every label_scores map
 * is the normalised exponentials of the engine's own scoring of that row, one row per id over a first run
 * and a --resume, bad rows are error rows; and --method generate answers with one of the labels.
 */
@Timeout(600)
class LabelJobTest extends LocalSparkJobs {
    static final Path MODEL = Path.of("..", "engine", "src", "test", "resources", "fixtures", "ling-v2", "tiny-ling-v2", "model");
    static final List<String> LABELS = List.of("positive", "negative", "neutral");

    static int run(List<String> args) {
        return new CommandLine(new LabelCommand()).execute(args.toArray(String[]::new));
    }

    @Test
    void scoresAreTheNormalisedScoringResultsAndResumeAddsOnlyMissingIds() throws Exception {
        List<String> lines = new ArrayList<>();
        String[] words = {"great", "awful", "fine", "the service", "my order", "was late", "arrived", "broken", "ok"};
        for (int i = 0; i < 197; i++) {
            lines.add("{\"id\": \"r" + i + "\", \"text\": \"" + words[i % 9] + " " + words[(i * 7 + 3) % 9] + " " + i + "\", \"shop\": \"s" + (i % 3) + "\"}");
        }
        lines.add("{\"id\": \"null-text\", \"text\": null}");
        lines.add("{\"id\": \"blank-text\", \"text\": \"   \"}");
        lines.add("{\"id\": \"bad-json\", \"text\": \"unterminated");
        Path in = Files.write(tmp.resolve("reviews.jsonl"), lines);
        Path out = tmp.resolve("labels");
        List<String> base = List.of("--model", MODEL.toString(), "--input", in.toString(), "--output", out.toString(),
            "--labels", String.join(",", LABELS), "--device", "cpu", "--keep-columns", "shop");
        List<String> first = new ArrayList<>(base);
        first.addAll(List.of("--limit", "120", "--run-id", "first"));
        assertEquals(0, run(first));
        assertEquals(120, spark.read().parquet(out.toString()).count());
        List<String> resume = new ArrayList<>(base);
        resume.addAll(List.of("--resume", "--run-id", "second"));
        assertEquals(0, run(resume));

        List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
        assertEquals(200, rows.size(), "one row per id over both runs");
        assertEquals(200, rows.stream().map(r -> r.getString(r.fieldIndex("id"))).distinct().count());
        assertEquals(80, rows.stream().filter(r -> r.getString(r.fieldIndex("run_id")).equals("second")).count(),
            "the resume labeled only the ids the first run had not");
        Map<String, String> errors = new java.util.TreeMap<>();
        for (Row r : rows) {
            if (!r.isNullAt(r.fieldIndex("error"))) {
                errors.put(r.getString(r.fieldIndex("id")), r.getStruct(r.fieldIndex("error")).getString(0));
                assertNull(r.get(r.fieldIndex("label")));
            }
        }
        assertEquals(Map.of("bad-json", "BAD_JSON", "blank-text", "EMPTY_PROMPT", "null-text", "EMPTY_PROMPT"), errors);

        // Every good row against the engine's own scoring of the same conversation, alone.
        LabelSet set = LabelSet.of(LABELS);
        LabelPrompt prompt = new LabelPrompt(set, LabelPrompt.defaultInstruction(set, false), List.of(), false);
        try (Engine engine = LingEngine.open(EngineOptions.of(MODEL))) {
            int checked = 0;
            for (Row r : rows) {
                if (!r.isNullAt(r.fieldIndex("error"))) {
                    continue;
                }
                String text = lines.stream().filter(l -> l.contains("\"id\": \"" + r.getString(r.fieldIndex("id")) + "\""))
                    .map(l -> l.replaceAll(".*\"text\": \"([^\"]*)\".*", "$1")).findFirst().orElseThrow();
                var ms = prompt.messages(text);
                ScoringResult s = engine.score(ScoringRequest.ofMessages("x", ms,
                    LabelPrompt.answers(engine.chatTemplate(), ms, LABELS))).join();
                assertTrue(s.ok(), s.errorMessage());
                double[] p = LabelScores.normalize(s.continuations().stream().mapToDouble(ScoringResult.ContinuationScore::logprob).toArray());
                Map<String, Double> scores = r.getJavaMap(r.fieldIndex("label_scores"));
                double max = 0;
                for (int i = 0; i < LABELS.size(); i++) {
                    assertEquals(p[i], scores.get(LABELS.get(i)), 1e-5, r.getString(r.fieldIndex("id")));
                    max = Math.max(max, p[i]);
                }
                assertEquals(max, r.getDouble(r.fieldIndex("confidence")), 1e-5);
                assertEquals(LABELS.get(LabelScores.argmax(p)), r.getString(r.fieldIndex("label")));
                assertEquals(s.contextTokens(), r.getInt(r.fieldIndex("prompt_tokens")));
                assertTrue(r.getString(r.fieldIndex("shop")).startsWith("s"), "kept column");
                if (++checked == 20) {
                    break; // a tenth of the rows keeps the test short; every row went through the same code
                }
            }
            assertEquals(20, checked);
        }
    }

    @Test
    void generateMethodAnswersWithALabel() throws Exception {
        Path in = Files.write(tmp.resolve("few.csv"), List.of("id,body", "a,the food was cold", "b,lovely staff", "c,"));
        Path out = tmp.resolve("generated");
        assertEquals(0, run(List.of("--model", MODEL.toString(), "--input", in.toString(), "--output", out.toString(),
            "--labels", "yes,no", "--method", "generate", "--text-column", "body", "--device", "cpu")));
        List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
        assertEquals(3, rows.size());
        for (Row r : rows.subList(0, 2)) {
            assertTrue(r.isNullAt(r.fieldIndex("error")) ? List.of("yes", "no").contains(r.getString(r.fieldIndex("label")))
                : r.getStruct(r.fieldIndex("error")).getString(0).equals("INCOMPLETE_OUTPUT"), r.toString());
            assertTrue(r.isNullAt(r.fieldIndex("label_scores")));
        }
        assertEquals("EMPTY_PROMPT", rows.get(2).getStruct(rows.get(2).fieldIndex("error")).getString(0));
    }

    @Test
    void badLabelOptionsAreUsageErrors() {
        assertEquals(2, run(List.of("--model", MODEL.toString(), "--input", "x", "--output", "y", "--labels", "only")));
        assertEquals(2, run(List.of("--model", MODEL.toString(), "--input", "x", "--output", "y", "--labels", "a,b",
            "--multi-label", "--method", "generate")));
        assertEquals(2, run(List.of("--model", MODEL.toString(), "--input", "x", "--output", "y", "--labels", "a,b",
            "--prompt-column", "p")));
    }
}
