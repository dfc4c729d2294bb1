package io.lingspark.jobs.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything summary.json and the HTML report show about one eval run.
 *
 * @param model the model as given (path or name)
 * @param revision the model's revision (commit, checksum), or null
 * @param settings the run's settings as the caller wants them recorded (num_fewshot, limit, seeds, ...)
 * @param groupBy the --group-by column, or null; groups then holds, per task, the summary per value
 * @param earlier a label for the earlier run compared against (its path), or null; comparisons then
 *     holds one per task
 */
public record EvalRun(String model, String revision, Map<String, Object> settings, List<TaskSummary> tasks,
                      String groupBy, Map<String, Map<String, TaskSummary>> groups,
                      String earlier, List<Comparison.TaskComparison> comparisons) {
    public EvalRun {
        settings = settings == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        tasks = List.copyOf(tasks);
        groups = groups == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(groups));
        comparisons = comparisons == null ? List.of() : List.copyOf(comparisons);
    }
}
