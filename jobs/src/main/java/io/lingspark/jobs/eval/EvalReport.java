package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The eval run's results put together on the driver: each task's documents of this run (its
 * requests' ids) from the output's latest rows, summarised per task, per group value and against an
 * earlier output. A document of this run without a row in the output is a failure, never a metric
 * silently computed over fewer documents.
 */
final class EvalReport {
    private EvalReport() {
    }

    static EvalRun build(EvalKind kind, EvalResults.Output current, EvalResults.Output earlier, String earlierLabel,
                         String groupBy, int bootstrapIters, String model, Map<String, Object> settings) {
        List<TaskSummary> summaries = new ArrayList<>();
        Map<String, Map<String, TaskSummary>> groups = new LinkedHashMap<>();
        List<Comparison.TaskComparison> comparisons = new ArrayList<>();
        for (TaskConfig task : kind.tasks()) {
            Set<Integer> wanted = new TreeSet<>();
            kind.requests().values().stream().filter(r -> r.task().equals(task.name())).forEach(r -> wanted.add(r.docId()));
            List<DocResult> docs = current.byTask().getOrDefault(task.name(), List.of()).stream()
                .filter(d -> wanted.contains(d.docId())).toList();
            if (docs.size() != wanted.size()) {
                throw new IllegalStateException("task " + task.name() + ": the output holds " + docs.size() + " of the "
                    + wanted.size() + " documents of this run");
            }
            summaries.add(Aggregator.summarize(task, docs, bootstrapIters));
            if (groupBy != null && !EvalKind.hasColumn(kind.evalDocs().get(task.name()), groupBy)) {
                System.err.println("lingspark eval: warning: task " + task.name() + " has no column '" + groupBy
                    + "'; it is not grouped");
            } else if (groupBy != null) {
                groups.put(task.name(), Aggregator.summarizeByGroup(task, docs,
                    Aggregator.groupsOf(kind.evalDocs().get(task.name()), groupBy), bootstrapIters));
            }
            if (earlier != null) {
                comparisons.add(Comparison.compare(task, docs, earlier.byTask().getOrDefault(task.name(), List.of()),
                    Comparison.DEFAULT_ITERS, Comparison.DEFAULT_SEED));
            }
        }
        return new EvalRun(model, current.revision(), settings, summaries, groupBy, groups.isEmpty() ? null : groups,
            earlier == null ? null : earlierLabel, comparisons);
    }
}
