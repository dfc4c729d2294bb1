package io.lingspark.engine.pipeline;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ParameterCount;

/**
 * An estimate of what each part of a model costs in a decode step of the CPU backend, for splitting
 * it into stages that take equal time (on the CPU memory is plentiful and the cache is shared out
 * evenly, so time, not memory, is what a split must balance). A step of B sequences reads the
 * weights it touches once (a MoE layer only the experts its B tokens route to: E·(1 − (1 − k/E)^B)
 * of them on average) and does B multiply-adds per active weight; the estimate adds the two in bytes,
 * one multiply-add counting as {@link #BYTES_PER_MAC} bytes. Why both: at batch 16 the head (one
 * dense [V, H] product, reused by all rows) is cheap in bytes next to a MoE layer and expensive in
 * multiply-adds; measured on the 2-core development machine, bench-small's head costs about two of
 * its layers, between the two pure models (0.5 and 3.7), and this sum gives 2.0.
 */
final class DecodeCost {
    /** The batch a split is balanced for: a busy engine's decode step. */
    static final int REFERENCE_BATCH = 16;
    /** Bytes of weight streaming that take as long as one bf16 multiply-add on a CPU core (about 1 on AVX2 machines). */
    static final double BYTES_PER_MAC = 1.0;

    private DecodeCost() {
    }

    /** [L] cost of layer l; embedding rows are a lookup, the head is added to the last layer. */
    static long[] perLayer(LingConfig c) {
        int b = REFERENCE_BATCH;
        long h = c.hiddenSize;
        long[] cost = new long[c.numLayers];
        for (int l = 0; l < c.numLayers; l++) {
            double macs = ParameterCount.activeInLayer(c, l);
            double bytes = 2.0 * macs;
            if (c.isMoeLayer(l)) { // the step reads every expert one of its B tokens routes to, not only k
                long expert = 3 * h * c.moeIntermediateSize;
                double touched = c.numExperts * (1 - Math.pow(1 - c.numExpertsPerTok / (double) c.numExperts, b));
                bytes += 2.0 * (touched - c.numExpertsPerTok) * expert;
            }
            cost[l] = (long) (bytes + BYTES_PER_MAC * b * macs);
        }
        long head = (long) c.vocabSize * h;
        cost[c.numLayers - 1] += (long) (2.0 * head + BYTES_PER_MAC * b * head);
        return cost;
    }
}
