package io.lingspark.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task values and standard errors against reference.json (lm-eval's definitions evaluated in CPython:
 * mean and sample stderr; weighted_perplexity, bits_per_byte and perplexity with bootstrap_stderr's
 * own resamples), error rows, group-by and calibration.
 */
class AggregatorTest {
    @TempDir
    Path dir;

    private TaskConfig task(String type, String metrics) {
        return TaskConfig.load(EvalFixtures.task(dir, "task: t\noutput_type: " + type + "\ndataset_path: json\n"
            + "dataset_kwargs:\n  data_files:\n    test: t.jsonl\ntest_split: test\ndoc_to_text: q\ndoc_to_target: a\n"
            + "doc_to_choice: [x, y]\n" + metrics, Map.of("t.jsonl", "{\"q\": \"x\", \"a\": 0}\n")));
    }

    private static DocResult scored(int docId, Map<String, Double> scores, Double ll, Long words, Long bytes) {
        return new DocResult("t", docId, scores, null, null, null, null, null, null, ll, words, bytes, null, null);
    }

    private static double[] doubles(JsonNode n) {
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asDouble();
        }
        return out;
    }

    @Test
    void meanAndItsStderrAreLmEvals() {
        JsonNode ref = EvalFixtures.reference().get("binary");
        TaskConfig task = task("multiple_choice", "metric_list:\n  - metric: acc\n");
        List<DocResult> results = new ArrayList<>();
        double[] values = doubles(ref.get("values"));
        for (int i = 0; i < values.length; i++) {
            results.add(scored(i, Map.of("acc", values[i]), null, null, null));
        }
        results.add(DocResult.error("t", values.length, null, "PROMPT_TOO_LONG", "long"));
        TaskSummary s = Aggregator.summarize(task, results, Aggregator.LM_EVAL_BOOTSTRAP_ITERS);
        MetricSummary acc = s.metrics().get("acc");
        assertEquals(ref.get("mean").asDouble(), acc.value(), 1e-15);
        assertEquals(ref.get("stderr").asDouble(), acc.stderr(), 1e-15);
        assertEquals(values.length, acc.n());
        assertEquals(values.length + 1, s.documents());
        assertEquals(1, s.errors());
        assertNull(Aggregator.summarize(task, results, 0).metrics().get("acc").stderr()); // bootstrap_iters 0: no stderr, as lm-eval
    }

    @Test
    void rollingPerplexitiesAndTheirBootstrapStderrAreLmEvals() {
        JsonNode ref = EvalFixtures.reference().get("rolling");
        TaskConfig task = task("loglikelihood_rolling", "");
        List<DocResult> results = new ArrayList<>();
        for (int i = 0; i < ref.get("texts").size(); i++) {
            results.add(scored(i, Map.of(), ref.get("loglikelihoods").get(i).asDouble(), ref.get("words").get(i).asLong(),
                ref.get("bytes").get(i).asLong()));
        }
        Map<String, MetricSummary> m = Aggregator.summarize(task, results, 2000).metrics();
        assertEquals(List.of("word_perplexity", "byte_perplexity", "bits_per_byte"), List.copyOf(m.keySet()));
        assertEquals(ref.get("word_perplexity").asDouble(), m.get("word_perplexity").value(), 1e-12);
        assertEquals(ref.get("byte_perplexity").asDouble(), m.get("byte_perplexity").value(), 1e-14);
        assertEquals(ref.get("bits_per_byte").asDouble(), m.get("bits_per_byte").value(), 1e-14);
        // the same 2000 resamples lm-eval draws (random.Random(0).choices, ...): equal to rounding
        assertEquals(ref.get("word_perplexity_stderr_2000").asDouble(), m.get("word_perplexity").stderr(), 1e-9);
        assertEquals(ref.get("bits_per_byte_stderr_2000").asDouble(), m.get("bits_per_byte").stderr(), 1e-12);
        assertTrue(!m.get("word_perplexity").higherIsBetter());
    }

    @Test
    void loglikelihoodPerplexityIsExpOfMinusTheMean() {
        JsonNode ref = EvalFixtures.reference().get("loglikelihood");
        TaskConfig task = task("loglikelihood", "");
        List<DocResult> results = new ArrayList<>();
        for (int i = 0; i < ref.get("loglikelihoods").size(); i++) {
            double ll = ref.get("loglikelihoods").get(i).asDouble();
            results.add(scored(i, Map.of("perplexity", Math.exp(-ll), "acc", i % 2 == 0 ? 1.0 : 0.0), ll, null, null));
        }
        Map<String, MetricSummary> m = Aggregator.summarize(task, results, 3000).metrics();
        assertEquals(ref.get("perplexity").asDouble(), m.get("perplexity").value(), 1e-13);
        assertEquals(ref.get("perplexity_stderr_3000").asDouble(), m.get("perplexity").stderr(), 1e-12);
        assertEquals(0.5, m.get("acc").value());
    }

    @Test
    void groupsAreSummariesOfTheirDocuments() {
        TaskConfig task = TaskConfig.load(EvalFixtures.CAPITALS);
        List<Map<String, Object>> docs = EvalFixtures.docs(task, "test");
        Map<Integer, String> groups = Aggregator.groupsOf(docs, "continent");
        List<DocResult> results = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            double acc = i % 3 == 0 ? 0.0 : 1.0;
            results.add(new DocResult("capitals", i, Map.of("acc", acc, "acc_norm", 1.0), null, null, null, null, 0.9, acc == 1.0,
                null, null, null, null, null));
        }
        Map<String, TaskSummary> byGroup = Aggregator.summarizeByGroup(task, results, groups, 1000);
        assertEquals(List.of("Africa", "Americas", "Asia", "Europe", "Oceania"), List.copyOf(byGroup.keySet()));
        for (Map.Entry<String, TaskSummary> e : byGroup.entrySet()) {
            List<DocResult> mine = results.stream().filter(r -> groups.get(r.docId()).equals(e.getKey())).toList();
            assertEquals(Aggregator.summarize(task, mine, 1000), e.getValue());
            assertEquals(mine.stream().mapToDouble(r -> r.scores().get("acc")).average().orElseThrow(), e.getValue().metrics().get("acc").value(), 1e-15);
        }
        TaskConfigException e = assertThrows(TaskConfigException.class, () -> Aggregator.groupsOf(docs, "region"));
        assertTrue(e.getMessage().contains("'region' is not in the documents"), e.getMessage());
    }

    @Test
    void calibrationBinsConfidenceAgainstAccuracy() {
        double[] conf = {0.05, 0.15, 0.31, 0.35, 0.39, 0.55, 0.95, 0.97, 1.0, 0.999};
        boolean[] ok = {false, false, true, false, false, true, true, true, true, false};
        List<DocResult> results = new ArrayList<>();
        for (int i = 0; i < conf.length; i++) {
            results.add(new DocResult("t", i, Map.of(), null, null, null, null, conf[i], ok[i], null, null, null, null, null));
        }
        results.add(DocResult.error("t", 99, null, "E", "e"));
        Calibration c = Calibration.of(results, 10);
        assertEquals(10, c.n());
        Calibration.Bin third = c.bins().get(3);
        assertEquals(3, third.count());
        assertEquals((0.31 + 0.35 + 0.39) / 3, third.meanConfidence(), 1e-15);
        assertEquals(1.0 / 3, third.accuracy(), 1e-15);
        assertEquals(4, c.bins().get(9).count()); // 1.0 falls in the last bin
        assertTrue(Double.isNaN(c.bins().get(2).accuracy()));
        Map<Integer, double[]> bins = new HashMap<>();
        for (int i = 0; i < conf.length; i++) {
            int b = Math.min(9, (int) (conf[i] * 10));
            bins.computeIfAbsent(b, k -> new double[3]);
            bins.get(b)[0]++;
            bins.get(b)[1] += conf[i];
            bins.get(b)[2] += ok[i] ? 1 : 0;
        }
        double ece = 0;
        for (double[] b : bins.values()) {
            ece += b[0] / conf.length * Math.abs(b[2] / b[0] - b[1] / b[0]);
        }
        assertEquals(ece, c.ece(), 1e-15);
    }
}
