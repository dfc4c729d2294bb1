package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * A multiple-choice task's reliability diagram: documents binned by confidence (the softmax of the
 * choices' loglikelihoods at the predicted choice) into equal-width bins over [0, 1], each bin's mean
 * confidence against its accuracy, and the expected calibration error (sum over bins of
 * count / n * |accuracy - mean confidence|).
 */
public record Calibration(List<Bin> bins, double ece, int n) {
    public static final int DEFAULT_BINS = 10;

    /** One bin [lower, upper): its documents, mean confidence and accuracy (NaN when empty). */
    public record Bin(double lower, double upper, int count, double meanConfidence, double accuracy) {
    }

    public Calibration {
        bins = List.copyOf(bins);
    }

    /** From a task's multiple-choice results (error rows and rows without a confidence left out). */
    public static Calibration of(List<DocResult> results, int binCount) {
        int[] count = new int[binCount];
        double[] conf = new double[binCount];
        double[] correct = new double[binCount];
        int n = 0;
        for (DocResult r : results) {
            if (r.isError() || r.confidence() == null || r.correct() == null) {
                continue;
            }
            int b = Math.min(binCount - 1, (int) Math.floor(r.confidence() * binCount));
            count[b]++;
            conf[b] += r.confidence();
            correct[b] += r.correct() ? 1 : 0;
            n++;
        }
        List<Bin> bins = new ArrayList<>(binCount);
        double ece = 0;
        for (int b = 0; b < binCount; b++) {
            double meanConf = count[b] == 0 ? Double.NaN : conf[b] / count[b];
            double acc = count[b] == 0 ? Double.NaN : correct[b] / count[b];
            bins.add(new Bin((double) b / binCount, (double) (b + 1) / binCount, count[b], meanConf, acc));
            if (count[b] > 0) {
                ece += (double) count[b] / n * Math.abs(acc - meanConf);
            }
        }
        return new Calibration(bins, n == 0 ? Double.NaN : ece, n);
    }
}
