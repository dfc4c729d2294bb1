package io.lingspark.jobs.label;

/** Turning the labels' log-likelihoods into the probabilities the output shows. */
public final class LabelScores {
    private LabelScores() {
    }

    /**
     * exp(logprob_i) / Σ_j exp(logprob_j), computed as a softmax around the largest (so long labels,
     * whose log-likelihoods are far below 0, do not underflow to 0/0).
     */
    public static double[] normalize(double[] logprobs) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logprobs) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logprobs.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logprobs[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Index of the largest probability (the first on ties). */
    public static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }
}
