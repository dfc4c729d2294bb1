package io.lingspark.jobs.eval;

/**
 * A task's value of one metric over its n scored documents, with lm-eval's standard error (null
 * where lm-eval writes N/A: fewer than 2 documents, or bootstrap iterations set to 0).
 */
public record MetricSummary(double value, Double stderr, boolean higherIsBetter, int n, Aggregation aggregation) {
}
