package io.lingspark.jobs.eval;

import java.util.Arrays;

/**
 * The arithmetic of lm_eval/api/metrics.py, in its summation order: mean = sum / n, sample standard
 * deviation (n - 1), mean_stderr, and bootstrap_stderr exactly as lm-eval draws it (chunks of
 * min(1000, iters) resamples, chunk i drawn by random.Random(i).choices), so a perplexity's stderr is
 * lm-eval's to floating-point rounding. Plus numpy's linear-interpolation percentile for confidence
 * intervals.
 */
final class Stats {
    /** A statistic of a resample given as indexes into the items. */
    interface Statistic {
        double of(int[] idx);
    }

    private Stats() {
    }

    static double mean(double[] xs) {
        double sum = 0;
        for (double x : xs) {
            sum += x;
        }
        return sum / xs.length;
    }

    /** sample_stddev: sqrt(sum((x - mean)^2) / (n - 1)); NaN below 2 items. */
    static double sampleStddev(double[] xs) {
        if (xs.length < 2) {
            return Double.NaN;
        }
        double mu = mean(xs);
        double sum = 0;
        for (double x : xs) {
            sum += (x - mu) * (x - mu);
        }
        return Math.sqrt(sum / (xs.length - 1));
    }

    static double meanStderr(double[] xs) {
        return sampleStddev(xs) / Math.sqrt(xs.length);
    }

    /**
     * bootstrap_stderr(f, xs, iters): the sample standard deviation of iters resampled statistics.
     * Chunks are independent (own seed, own slots of the result), so they run in parallel and the
     * result is the same as drawing them one after another. f must be safe to call concurrently.
     */
    static double bootstrapStderr(Statistic f, int n, int iters) {
        int chunk = Math.min(1000, iters);
        int chunks = chunk == 0 ? 0 : iters / chunk;
        double[] res = new double[chunks * chunk];
        java.util.stream.IntStream.range(0, chunks).parallel().forEach(i -> {
            PyRandom rnd = new PyRandom(i);
            int[] idx = new int[n];
            for (int c = 0; c < chunk; c++) {
                for (int k = 0; k < n; k++) {
                    idx[k] = rnd.choiceIndex(n);
                }
                res[i * chunk + c] = f.of(idx);
            }
        });
        return sampleStddev(res);
    }

    /** numpy.percentile(xs, q) with linear interpolation; sorts a copy. */
    static double percentile(double[] xs, double q) {
        double[] s = xs.clone();
        Arrays.sort(s);
        double pos = q / 100.0 * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }
}
