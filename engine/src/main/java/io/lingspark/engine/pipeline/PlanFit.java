package io.lingspark.engine.pipeline;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.runtime.MemoryPlan;
import java.util.Locale;

/**
 * Whether a stage plan fits devices of a given memory, and if not, what would: each stage must hold
 * its weights, the activation reserve of a step, one sequence's recurrent state and the KV cache of
 * a useful context ({@link #minTokens}). Used by {@code lingspark plan} and by the Spark driver before
 * any task starts.
 */
public final class PlanFit {
    private final LingConfig config;
    private final LayerSizes sizes;
    private final long budget;       // bytes of one device the engine plans for (after the reserve)
    private final long activations;  // activation reserve of a step of maxBatchTokens

    /**
     * @param deviceMemory  bytes of one device
     * @param utilization   share of it the engine plans for (--gpu-memory-utilization)
     * @param maxBatchTokens the step size the activation reserve is for
     */
    public PlanFit(LingConfig config, LayerSizes sizes, long deviceMemory, double utilization, int maxBatchTokens) {
        this.config = config;
        this.sizes = sizes;
        this.budget = (long) (deviceMemory * utilization) - MemoryPlan.RESERVE;
        this.activations = MemoryPlan.activationBytes(config, maxBatchTokens);
    }

    /** The cache a stage must hold beside its weights: one sequence of min(context, 4096) tokens. */
    static long minTokens(LingConfig c) {
        return Math.min(c.maxPositionEmbeddings, 4096);
    }

    /** Bytes stage s needs at the least: weights, the activation reserve, {@link #minTokens} of cache, one state. */
    static long need(LingConfig c, StagePlan.Stage s, long activations) {
        return s.weightBytes() + activations + s.cacheBytesPerToken() * minTokens(c) + s.stateBytesPerSeq();
    }

    public long budget() {
        return budget;
    }

    public long activations() {
        return activations;
    }

    private long need(StagePlan.Stage s) {
        return need(config, s, activations);
    }

    /** Tokens of cache beside the stage's weights and the activation reserve (−1: not even the weights fit). */
    public long tokensFit(StagePlan.Stage s) {
        long left = budget - s.weightBytes() - activations - s.stateBytesPerSeq();
        if (left < 0) {
            return -1;
        }
        return s.cacheBytesPerToken() == 0 ? Long.MAX_VALUE : left / s.cacheBytesPerToken();
    }

    /** Null when every stage fits; else one line: the first stage that does not, and what would fit. */
    public String misfit(StagePlan plan, boolean fp8) {
        for (StagePlan.Stage s : plan.stages()) {
            long need = need(s);
            if (need > budget) {
                return String.format(Locale.ROOT, "stage %d (layers %s) needs %.1f GiB of the %.1f GiB a device gives "
                        + "(weights %.1f + activations %.1f + cache for %d tokens %.1f): %s", s.index(), s.range(), gib(need),
                    gib(budget), gib(s.weightBytes()), gib(activations), minTokens(config),
                    gib(s.cacheBytesPerToken() * minTokens(config)), whatFits(plan.size(), fp8));
            }
        }
        return null;
    }

    /** What would fit instead: more stages, FP8, or a bigger device. */
    private String whatFits(int stages, boolean fp8) {
        StringBuilder sb = new StringBuilder();
        int more = firstFitting(sizes, Math.max(2, stages + 1));
        if (more > 0) {
            sb.append("use --pipeline-stages ").append(more);
        }
        if (!fp8 && config.quantization == null) {
            int withFp8 = firstFitting(LayerSizes.of(config, true, 2), stages);
            if (withFp8 > 0) {
                sb.append(sb.length() > 0 ? ", or " : "").append("--quantization fp8 with --pipeline-stages ").append(withFp8);
            }
        }
        if (sb.length() == 0) {
            sb.append("a device with more memory (no split of ").append(config.numLayers).append(" layers fits this one)");
        } else {
            sb.append(", or a device with more memory");
        }
        return sb.toString();
    }

    private int firstFitting(LayerSizes s, int from) {
        for (int n = from; n <= config.numLayers; n++) {
            boolean ok = true;
            for (StagePlan.Stage st : StagePlan.balanced(s, n).stages()) {
                ok &= need(st) <= budget;
            }
            if (ok) {
                return n;
            }
        }
        return -1;
    }

    public static double gib(long b) {
        return b / (double) (1L << 30);
    }
}
