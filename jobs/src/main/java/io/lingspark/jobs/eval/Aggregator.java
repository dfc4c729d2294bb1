package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A task's per-document results to its summary, with lm-eval's aggregations and standard errors
 * (lm_eval/api/metrics.py: mean with mean_stderr; perplexity, weighted_perplexity and bits_per_byte
 * with bootstrap_stderr, {@link #LM_EVAL_BOOTSTRAP_ITERS} resamples by default as lm-eval, its seeds
 * 0, 1, ... per chunk of 1000); and the same per value of a dataset column (group-by).
 */
public final class Aggregator {
    /** lm-eval's default bootstrap_iters. */
    public static final int LM_EVAL_BOOTSTRAP_ITERS = 100_000;

    private Aggregator() {
    }

    public static TaskSummary summarize(TaskConfig task, List<DocResult> results, int bootstrapIters) {
        Map<String, MetricSummary> metrics = new LinkedHashMap<>();
        for (MetricSpec m : task.metrics()) {
            MetricItems items = MetricItems.of(m, results);
            double value = items.size() == 0 ? Double.NaN : items.value();
            double stderr = items.stderr(bootstrapIters);
            metrics.put(m.key(), new MetricSummary(value, Double.isNaN(stderr) ? null : stderr, m.higherIsBetter(), items.size(), m.aggregation()));
        }
        int errors = (int) results.stream().filter(DocResult::isError).count();
        Calibration calibration = task.outputType() == OutputType.MULTIPLE_CHOICE
            ? Calibration.of(results, Calibration.DEFAULT_BINS) : null;
        return new TaskSummary(task.name(), task.outputType(), metrics, results.size(), errors, calibration);
    }

    /** The summary of each group's documents, groups sorted by value; groupOfDoc maps doc_id to its group value. */
    public static Map<String, TaskSummary> summarizeByGroup(TaskConfig task, List<DocResult> results,
                                                            Map<Integer, String> groupOfDoc, int bootstrapIters) {
        Map<String, List<DocResult>> byGroup = new TreeMap<>();
        for (DocResult r : results) {
            String g = groupOfDoc.get(r.docId());
            if (g == null) {
                throw new IllegalArgumentException("document " + r.docId() + " of task " + task.name() + " has no group value");
            }
            byGroup.computeIfAbsent(g, k -> new ArrayList<>()).add(r);
        }
        Map<String, TaskSummary> out = new LinkedHashMap<>();
        byGroup.forEach((g, rs) -> out.put(g, summarize(task, rs, bootstrapIters)));
        return out;
    }

    /**
     * Each eval document's value of a column as its group (Python's str of the value; a missing or
     * null value is the group "None"), by doc_id; a column no document has is a TaskConfigException.
     */
    public static Map<Integer, String> groupsOf(List<Map<String, Object>> evalDocs, String column) {
        if (!evalDocs.isEmpty() && evalDocs.stream().noneMatch(d -> d.containsKey(column))) {
            throw new TaskConfigException("--group-by column '" + column + "' is not in the documents (columns: "
                + evalDocs.get(0).keySet() + ")");
        }
        Map<Integer, String> out = new HashMap<>();
        for (int i = 0; i < evalDocs.size(); i++) {
            out.put(i, DocFields.pyStr(evalDocs.get(i).get(column)));
        }
        return out;
    }
}
