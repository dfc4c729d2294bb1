package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * This run against an earlier one on the same task, beyond lm-eval: over the documents scored in
 * both (matched by doc_id), each metric's difference (this run minus the earlier) with a 95 %
 * paired-bootstrap confidence interval (the same resampled documents for both runs; percentiles
 * 2.5 and 97.5, numpy's interpolation; fixed seed), and for 0/1 metrics the documents that flipped.
 */
public final class Comparison {
    public static final int DEFAULT_ITERS = 10_000;
    public static final long DEFAULT_SEED = 1234;

    /** One metric's difference over the matched documents. */
    public record MetricDiff(String metric, double current, double earlier, double difference,
                             double ciLow, double ciHigh, int matched, boolean higherIsBetter) {
    }

    /** Documents of a 0/1 metric that went from 0 to 1 (becameCorrect) or 1 to 0, by doc_id. */
    public record Flips(List<Integer> becameCorrect, List<Integer> becameIncorrect) {
        public Flips {
            becameCorrect = List.copyOf(becameCorrect);
            becameIncorrect = List.copyOf(becameIncorrect);
        }
    }

    /** A task's comparison; onlyCurrent / onlyEarlier count documents scored in one run only. */
    public record TaskComparison(String task, List<MetricDiff> metrics, Map<String, Flips> flips,
                                 int onlyCurrent, int onlyEarlier) {
        public TaskComparison {
            metrics = List.copyOf(metrics);
            flips = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(flips));
        }
    }

    private Comparison() {
    }

    public static TaskComparison compare(TaskConfig task, List<DocResult> current, List<DocResult> earlier, int iters, long seed) {
        Map<Integer, DocResult> before = new HashMap<>();
        for (DocResult r : earlier) {
            if (!r.isError()) {
                before.put(r.docId(), r);
            }
        }
        List<DocResult> now = new ArrayList<>();
        List<DocResult> then = new ArrayList<>();
        TreeSet<Integer> seen = new TreeSet<>();
        int onlyCurrent = 0;
        for (DocResult r : current) {
            if (r.isError()) {
                continue;
            }
            seen.add(r.docId());
            DocResult e = before.get(r.docId());
            if (e == null) {
                onlyCurrent++;
            } else {
                now.add(r);
                then.add(e);
            }
        }
        int onlyEarlier = (int) before.keySet().stream().filter(id -> !seen.contains(id)).count();
        List<MetricDiff> diffs = new ArrayList<>();
        Map<String, Flips> flips = new LinkedHashMap<>();
        for (MetricSpec m : task.metrics()) {
            if (now.isEmpty()) {
                diffs.add(new MetricDiff(m.key(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, m.higherIsBetter()));
                continue;
            }
            MetricItems a = MetricItems.of(m, now);
            MetricItems b;
            try {
                b = MetricItems.of(m, then);
            } catch (IllegalArgumentException e) {
                throw new TaskConfigException("the earlier run cannot be compared on " + m.key() + ": " + e.getMessage()
                    + " (was it run with another version of the task file?)", e);
            }
            double d = a.value() - b.value();
            double[] boot = new double[iters];
            PyRandom rnd = new PyRandom(seed);
            int n = now.size();
            int[] idx = new int[n];
            for (int i = 0; i < iters; i++) {
                for (int k = 0; k < n; k++) {
                    idx[k] = rnd.choiceIndex(n);
                }
                boot[i] = a.value(idx) - b.value(idx);
            }
            double lo = iters == 0 ? Double.NaN : Stats.percentile(boot, 2.5);
            double hi = iters == 0 ? Double.NaN : Stats.percentile(boot, 97.5);
            diffs.add(new MetricDiff(m.key(), a.value(), b.value(), d, lo, hi, n, m.higherIsBetter()));
            if (m.aggregation() == Aggregation.MEAN && isBinary(a.x) && isBinary(b.x)) {
                flips.put(m.key(), flips(a, b));
            }
        }
        return new TaskComparison(task.name(), diffs, flips, onlyCurrent, onlyEarlier);
    }

    private static Flips flips(MetricItems now, MetricItems then) {
        List<Integer> up = new ArrayList<>();
        List<Integer> down = new ArrayList<>();
        for (int i = 0; i < now.x.length; i++) {
            if (now.x[i] > then.x[i]) {
                up.add(now.docIds[i]);
            } else if (now.x[i] < then.x[i]) {
                down.add(now.docIds[i]);
            }
        }
        return new Flips(up, down);
    }

    private static boolean isBinary(double[] xs) {
        for (double x : xs) {
            if (x != 0.0 && x != 1.0) {
                return false;
            }
        }
        return true;
    }
}
