package io.lingspark.jobs.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One task's results: each metric (by key, in metric_list order), how many documents were scored
 * and how many are error rows (left out of every metric), and for multiple choice the calibration.
 */
public record TaskSummary(String task, OutputType outputType, Map<String, MetricSummary> metrics,
                          int documents, int errors, Calibration calibration) {
    public TaskSummary {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }
}
