package io.lingspark.jobs.eval;

import java.util.List;

/**
 * One metric's per-document items over a task's scored documents (error rows left out) and its
 * aggregation over all of them or over a resample: mean for 0/1 scores, and for perplexities
 * lm-eval's perplexity (exp(-mean(ll))), weighted_perplexity (exp(-sum(ll) / sum(words or bytes)))
 * and bits_per_byte (-sum(ll) / sum(bytes) / ln 2).
 */
final class MetricItems {
    final MetricSpec metric;
    final int[] docIds;
    /** The 0/1 score (MEAN) or the loglikelihood (perplexities). */
    final double[] x;
    /** Words or bytes (weighted aggregations), else null. */
    final double[] w;

    private MetricItems(MetricSpec metric, int[] docIds, double[] x, double[] w) {
        this.metric = metric;
        this.docIds = docIds;
        this.x = x;
        this.w = w;
    }

    static MetricItems of(MetricSpec m, List<DocResult> results) {
        List<DocResult> ok = results.stream().filter(r -> !r.isError()).toList();
        int n = ok.size();
        int[] ids = new int[n];
        double[] x = new double[n];
        double[] w = m.aggregation() == Aggregation.WEIGHTED_PERPLEXITY || m.aggregation() == Aggregation.BITS_PER_BYTE ? new double[n] : null;
        for (int i = 0; i < n; i++) {
            DocResult r = ok.get(i);
            ids[i] = r.docId();
            switch (m.aggregation()) {
                case MEAN -> x[i] = value(r, m.key());
                case PERPLEXITY -> x[i] = required(r, r.loglikelihood(), "loglikelihood");
                default -> {
                    x[i] = required(r, r.loglikelihood(), "loglikelihood");
                    Long weight = m.name().equals("word_perplexity") ? r.words() : r.bytes();
                    w[i] = required(r, weight == null ? null : weight.doubleValue(), m.name().equals("word_perplexity") ? "words" : "bytes");
                }
            }
        }
        return new MetricItems(m, ids, x, w);
    }

    private static double value(DocResult r, String key) {
        return required(r, r.scores().get(key), key);
    }

    private static double required(DocResult r, Double v, String what) {
        if (v == null) {
            throw new IllegalArgumentException("document " + r.docId() + " of task " + r.task() + " has no " + what);
        }
        return v;
    }

    int size() {
        return x.length;
    }

    /** The aggregation over every item. */
    double value() {
        int[] all = new int[x.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return value(all);
    }

    /** The aggregation over the items at these indexes (a resample; repeats allowed). */
    double value(int[] idx) {
        double sx = 0;
        for (int i : idx) {
            sx += x[i];
        }
        return switch (metric.aggregation()) {
            case MEAN -> sx / idx.length;
            case PERPLEXITY -> Math.exp(-(sx / idx.length));
            case WEIGHTED_PERPLEXITY -> Math.exp(-(sx / weightSum(idx)));
            case BITS_PER_BYTE -> -(sx / weightSum(idx)) / Math.log(2);
        };
    }

    private double weightSum(int[] idx) {
        double s = 0;
        for (int i : idx) {
            s += w[i];
        }
        return s;
    }

    /** lm-eval's stderr: mean_stderr for means, bootstrap_stderr otherwise; NaN when it cannot be computed. */
    double stderr(int bootstrapIters) {
        if (bootstrapIters <= 0 || x.length < 2) {
            return Double.NaN;
        }
        if (metric.aggregation() == Aggregation.MEAN) {
            return Stats.meanStderr(x);
        }
        return Stats.bootstrapStderr(this::value, x.length, bootstrapIters);
    }
}
