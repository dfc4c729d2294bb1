package io.lingspark.jobs.eval;

/** lm-eval's aggregations over a task's per-document values (lm_eval/api/metrics.py). */
public enum Aggregation {
    /** sum / n; stderr: sample standard deviation / sqrt(n). */
    MEAN("mean"),
    /** exp(-mean(loglikelihood)); stderr: bootstrap. */
    PERPLEXITY("perplexity"),
    /** exp(-sum(loglikelihood) / sum(weight)), weight = words or UTF-8 bytes; stderr: bootstrap. */
    WEIGHTED_PERPLEXITY("weighted_perplexity"),
    /** -sum(loglikelihood) / sum(bytes) / ln 2; stderr: bootstrap. */
    BITS_PER_BYTE("bits_per_byte");

    private final String yamlName;

    Aggregation(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }
}
