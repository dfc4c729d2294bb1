package io.lingspark.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.ScoringRequest;
import io.lingspark.engine.runtime.ScoringResult;
import io.lingspark.jobs.LocalSparkJobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * eval on both example tasks with the fixture model (random weights: the metrics are whatever they are,
 * so the test recomputes each one of summary.json from the per-document rows), then --resume (adds
 * nothing) and --compare against the same output (no differences).
 */
@Timeout(600)
class EvalJobTest extends LocalSparkJobs {
    static final Path MODEL = Path.of("..", "engine", "src", "test", "resources", "fixtures", "ling-v2", "tiny-ling-v2", "model");
    static final int LIMIT = 6;
    private static final ObjectMapper JSON = new ObjectMapper();

    static int run(List<String> args) {
        return new CommandLine(new EvalCommand()).execute(args.toArray(String[]::new));
    }

    @Test
    void summaryIsTheRowsAggregatedAndResumeAndCompareAddNothing() throws Exception {
        Path out = tmp.resolve("eval");
        Path report = tmp.resolve("report.html");
        // A third task with a document whose target is not one of its choices: an error row, left out of acc.
        Path bad = EvalFixtures.task(Files.createDirectories(tmp.resolve("bad")), String.join("\n",
            "task: badcaps", "output_type: multiple_choice", "dataset_path: json",
            "dataset_kwargs:", "  data_files:", "    test: test.jsonl", "test_split: test",
            "doc_to_text: \"Capital of {{country}}?\"", "doc_to_choice: choices", "doc_to_target: label",
            "metric_list:", "  - metric: acc"), Map.of("test.jsonl", String.join("\n",
            "{\"country\": \"France\", \"choices\": [\"Paris\", \"Lyon\"], \"label\": 0}",
            "{\"country\": \"Spain\", \"choices\": [\"Seville\", \"Madrid\"], \"label\": 7}",
            "{\"country\": \"Italy\", \"choices\": [\"Rome\", \"Milan\"], \"label\": 0}")));
        List<String> base = List.of("--model", MODEL.toString(), "--task", EvalFixtures.CAPITALS.toString(),
            "--task", EvalFixtures.ARITHMETIC.toString(), "--task", bad.toString(), "--output", out.toString(),
            "--limit", String.valueOf(LIMIT), "--device", "cpu");
        List<String> first = new ArrayList<>(base);
        first.addAll(List.of("--run-id", "first", "--report", report.toString(), "--group-by", "continent"));
        assertEquals(0, run(first));

        List<Row> rows = spark.read().parquet(out.toString()).orderBy("task", "doc_id").collectAsList();
        assertEquals(2 * LIMIT + 3, rows.size(), "one row per document");
        Map<String, List<Row>> byTask = new HashMap<>();
        for (Row r : rows) {
            assertEquals(r.getString(r.fieldIndex("task")) + "/" + r.getInt(r.fieldIndex("doc_id")), r.getString(r.fieldIndex("id")));
            boolean error = !r.isNullAt(r.fieldIndex("error"));
            assertEquals(r.getString(r.fieldIndex("id")).equals("badcaps/1"), error, () -> "error row " + r);
            byTask.computeIfAbsent(r.getString(r.fieldIndex("task")), k -> new ArrayList<>()).add(r);
        }
        assertEquals(LIMIT, byTask.get("capitals").size());
        assertEquals(LIMIT, byTask.get("arithmetic").size());
        Row invalid = byTask.get("badcaps").get(1);
        assertEquals("INVALID_TARGET", invalid.getStruct(invalid.fieldIndex("error")).getString(0));

        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        checkCapitals(byTask.get("capitals"), summary.get("results").get("capitals"));
        checkArithmetic(byTask.get("arithmetic"), summary.get("results").get("arithmetic"));
        JsonNode badSamples = summary.get("samples").get("badcaps");
        assertEquals(3, badSamples.get("documents").asInt());
        assertEquals(1, badSamples.get("errors").asInt());
        double badAcc = 0;
        for (int i : new int[] {0, 2}) {
            Row r = byTask.get("badcaps").get(i);
            badAcc += r.<String, Double>getJavaMap(r.fieldIndex("scores")).get("acc") / 2;
        }
        assertEquals(badAcc, summary.get("results").get("badcaps").get("acc").get("value").asDouble(), 1e-12);
        checkGroups(byTask.get("capitals"), summary.get("groups"));
        assertEquals(MODEL.toString(), summary.get("model").asText());
        assertTrue(Files.size(report) > 1000, "the HTML report is written");
        assertTrue(Files.readString(report).contains("capitals"));

        // --resume: every document is done, so nothing is added and the summary is the same
        List<String> resume = new ArrayList<>(base);
        resume.addAll(List.of("--resume", "--run-id", "second", "--compare", out.toString()));
        assertEquals(0, run(resume));
        assertEquals(2 * LIMIT + 3, spark.read().parquet(out.toString()).count(), "--resume adds nothing");
        assertFalse(Files.exists(out.resolve("run_id=second")));
        JsonNode again = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals(summary.get("results"), again.get("results"));

        // --compare with the same output: every difference 0, no document flipped
        JsonNode compare = again.get("compare").get("results");
        for (String task : List.of("capitals", "arithmetic", "badcaps")) {
            JsonNode c = compare.get(task);
            assertNotNull(c, task);
            assertTrue(c.get("metrics").size() > 0);
            c.get("metrics").fields().forEachRemaining(e -> {
                assertEquals(0.0, e.getValue().get("difference").asDouble(), 0.0, task + " " + e.getKey());
                assertEquals(task.equals("badcaps") ? 2 : LIMIT, e.getValue().get("matched").asInt());
            });
            c.get("flips").fields().forEachRemaining(e -> {
                assertEquals(0, e.getValue().get("became_correct").size());
                assertEquals(0, e.getValue().get("became_incorrect").size());
            });
            assertEquals(0, c.get("only_current").asInt());
            assertEquals(0, c.get("only_earlier").asInt());
        }

        // a --group-by column no task has is an input error before anything runs
        List<String> noColumn = new ArrayList<>(base);
        noColumn.addAll(List.of("--resume", "--run-id", "third", "--group-by", "no_such_column"));
        assertEquals(4, run(noColumn));
        assertEquals(2 * LIMIT + 3, spark.read().parquet(out.toString()).count());
    }

    /** --group-by continent: capitals per continent (its documents' acc), the tasks without the column not grouped. */
    private static void checkGroups(List<Row> capitals, JsonNode groups) {
        assertEquals("continent", groups.get("column").asText());
        JsonNode byValue = groups.get("results").get("capitals");
        List<Map<String, Object>> docs = EvalFixtures.readJsonl(EvalFixtures.EXAMPLES.resolve("capitals/test.jsonl"));
        Map<String, List<Double>> acc = new HashMap<>();
        for (Row r : capitals) {
            String continent = (String) docs.get(r.getInt(r.fieldIndex("doc_id"))).get("continent");
            acc.computeIfAbsent(continent, k -> new ArrayList<>()).add(r.<String, Double>getJavaMap(r.fieldIndex("scores")).get("acc"));
        }
        assertEquals(acc.size(), byValue.size());
        acc.forEach((continent, xs) -> {
            assertEquals(xs.size(), byValue.get(continent).get("documents").asInt(), continent);
            assertEquals(xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow(),
                byValue.get(continent).get("acc").get("value").asDouble(), 1e-12, continent);
        });
        assertFalse(groups.get("results").has("arithmetic"));
    }

    /** acc and acc_norm from the rows' choice loglikelihoods, checked against the engine's own scoring. */
    private static void checkCapitals(List<Row> rows, JsonNode results) throws Exception {
        List<Map<String, Object>> docs = EvalFixtures.readJsonl(EvalFixtures.EXAMPLES.resolve("capitals/test.jsonl"));
        double[] acc = new double[rows.size()];
        double[] accNorm = new double[rows.size()];
        try (Engine engine = LingEngine.open(EngineOptions.of(MODEL))) {
            for (int n = 0; n < rows.size(); n++) {
                Row r = rows.get(n);
                Map<String, Object> doc = docs.get(r.getInt(r.fieldIndex("doc_id")));
                @SuppressWarnings("unchecked")
                List<String> choices = (List<String>) doc.get("choices");
                int gold = ((Number) doc.get("label")).intValue();
                List<Double> lls = r.getList(r.fieldIndex("choice_logprobs"));
                assertEquals(choices.size(), lls.size());
                List<String> continuations = choices.stream().map(c -> " " + c).toList();
                ScoringResult direct = engine.score(ScoringRequest.ofText("check", r.getString(r.fieldIndex("prompt")), continuations)).get();
                int best = 0;
                int bestNorm = 0;
                for (int i = 0; i < lls.size(); i++) {
                    assertEquals(direct.continuations().get(i).logprob(), lls.get(i), 1e-6, "the engine's loglikelihood");
                    if (lls.get(i) > lls.get(best)) {
                        best = i;
                    }
                    if (lls.get(i) / bytes(choices.get(i)) > lls.get(bestNorm) / bytes(choices.get(bestNorm))) {
                        bestNorm = i;
                    }
                }
                acc[n] = best == gold ? 1 : 0;
                accNorm[n] = bestNorm == gold ? 1 : 0;
                Map<String, Double> scores = r.getJavaMap(r.fieldIndex("scores"));
                assertEquals(acc[n], scores.get("acc"));
                assertEquals(accNorm[n], scores.get("acc_norm"));
                assertEquals(choices.get(best), r.getString(r.fieldIndex("prediction")));
            }
        }
        checkMean(acc, results.get("acc"));
        checkMean(accNorm, results.get("acc_norm"));
    }

    /** exact_match per filter: the filter's output against the answer, ',' removed, case ignored. */
    private static void checkArithmetic(List<Row> rows, JsonNode results) {
        List<Map<String, Object>> docs = EvalFixtures.readJsonl(EvalFixtures.EXAMPLES.resolve("arithmetic/data/test.jsonl"));
        for (String filter : List.of("strict-match", "flexible-extract")) {
            double[] em = new double[rows.size()];
            for (int n = 0; n < rows.size(); n++) {
                Row r = rows.get(n);
                String answer = String.valueOf(docs.get(r.getInt(r.fieldIndex("doc_id"))).get("answer"));
                assertEquals(answer, r.getString(r.fieldIndex("target")));
                Map<String, String> filtered = r.getJavaMap(r.fieldIndex("filtered"));
                String got = filtered.get(filter);
                assertNotNull(got, filter);
                em[n] = got.replace(",", "").toLowerCase().equals(answer.replace(",", "").toLowerCase()) ? 1 : 0;
                Map<String, Double> scores = r.getJavaMap(r.fieldIndex("scores"));
                assertEquals(em[n], scores.get("exact_match," + filter));
            }
            checkMean(em, results.get("exact_match," + filter));
        }
    }

    /** lm-eval's mean and mean_stderr (sample standard deviation / sqrt(n)). */
    private static void checkMean(double[] xs, JsonNode metric) {
        assertNotNull(metric);
        double mean = 0;
        for (double x : xs) {
            mean += x / xs.length;
        }
        double var = 0;
        for (double x : xs) {
            var += (x - mean) * (x - mean) / (xs.length - 1);
        }
        assertEquals(mean, metric.get("value").asDouble(), 1e-12);
        assertEquals(Math.sqrt(var / xs.length), metric.get("stderr").asDouble(), 1e-12);
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
