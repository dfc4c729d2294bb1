package io.lingspark.engine.runtime;

/**
 * Scoring's arithmetic over one fp32 logits row: log_softmax at chosen ids, and the row's argmax. The
 * differences from the row's maximum and their exponentials are taken in double (exact for fp32
 * inputs) and summed in double over the whole vocabulary (padding ids included, as torch's
 * log_softmax over the LM head's rows does), so neither the row's width nor a long continuation's sum
 * loses anything to rounding that the logits themselves do not carry.
 */
final class LogSoftmax {
    private LogSoftmax() {
    }

    /** Row [off, off + v) of logits: its argmax and the log-probability of each target id. */
    static StepResult.Score score(float[] logits, int off, int v, int[] targets) {
        int argmax = Argmax.of(logits, off, v);
        double max = logits[off + argmax];
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        double logSum = Math.log(sum);
        double[] out = new double[targets.length];
        for (int k = 0; k < targets.length; k++) {
            int t = targets[k];
            if (t < 0 || t >= v) {
                throw new IllegalArgumentException("target id " + t + " outside the vocabulary [0, " + v + ")");
            }
            out[k] = (logits[off + t] - max) - logSum;
        }
        return new StepResult.Score(argmax, out);
    }
}
