package io.lingspark.engine.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * A model split into pipeline stages: contiguous ranges of decoder layers, stage 0 also holding the
 * embedding and the last stage the final norm, lm_head and the sampler. The default split balances
 * each stage's memory (weight bytes + cache bytes for a reference number of tokens, the embedding on
 * the first and the head on the last), since MoE and dense layers, MLA and linear-attention layers
 * weigh differently; {@link #parse} takes an explicit split instead.
 *
 * @param stages in order; their layer ranges cover [0, L) without gaps
 */
public record StagePlan(List<Stage> stages, LayerSizes sizes) {
    /** Tokens of cache the default split weighs against the weights (a long context, or many short ones). */
    public static final long REFERENCE_TOKENS = 65_536;

    /**
     * One stage: decoder layers [firstLayer, lastLayer).
     *
     * @param weightBytes        its layers' weights, plus the embedding (first) and the head (last)
     * @param cacheBytesPerToken what one token of context costs in its layers
     * @param stateBytesPerSeq   recurrent state one sequence holds in its layers (linear attention)
     */
    public record Stage(int index, int firstLayer, int lastLayer, boolean embedding, boolean head, long weightBytes,
                        long cacheBytesPerToken, long stateBytesPerSeq) {
        public int layers() {
            return lastLayer - firstLayer;
        }

        public String range() {
            return firstLayer + "-" + (lastLayer - 1);
        }
    }

    public int size() {
        return stages.size();
    }

    public Stage stage(int i) {
        return stages.get(i);
    }

    public static StagePlan single(LayerSizes sizes) {
        return of(sizes, new int[] {0, sizes.layers()});
    }

    /**
     * The contiguous split into s stages that minimises the largest stage's memory (weights + cache of
     * {@link #REFERENCE_TOKENS} tokens): the default on GPUs, where memory decides what fits and the
     * smallest stage's cache bounds the whole pipeline's.
     */
    public static StagePlan balanced(LayerSizes sizes, int s) {
        int l = checkStages(sizes, s);
        long[] cost = new long[l];
        for (int i = 0; i < l; i++) {
            cost[i] = sizes.layerWeights()[i] + sizes.layerCache()[i] * REFERENCE_TOKENS;
        }
        cost[0] += sizes.embeddingBytes();
        cost[l - 1] += sizes.headBytes();
        return minMax(sizes, cost, s);
    }

    /**
     * The contiguous split into s stages that minimises the slowest stage's estimated decode time on the
     * CPU backend ({@link DecodeCost}): the default there, where memory does not decide.
     */
    public static StagePlan balancedForCpu(LayerSizes sizes, io.lingspark.engine.config.LingConfig c, int s) {
        checkStages(sizes, s);
        return minMax(sizes, DecodeCost.perLayer(c), s);
    }

    private static int checkStages(LayerSizes sizes, int s) {
        int l = sizes.layers();
        if (s < 1 || s > l) {
            throw new IllegalArgumentException("--pipeline-stages must be in [1, " + l + "] for " + l + " layers, got " + s);
        }
        return l;
    }

    /** The split of layers with these costs into s contiguous stages whose largest sum is smallest (dynamic programming). */
    private static StagePlan minMax(LayerSizes sizes, long[] cost, int s) {
        int l = cost.length;
        long[] prefix = new long[l + 1];
        for (int i = 0; i < l; i++) {
            prefix[i + 1] = prefix[i] + cost[i];
        }
        // best[k][j]: the smallest largest stage for layers [0, j) in k stages; cut[k][j]: where the last starts
        long[][] best = new long[s + 1][l + 1];
        int[][] cut = new int[s + 1][l + 1];
        for (long[] row : best) {
            java.util.Arrays.fill(row, Long.MAX_VALUE);
        }
        best[0][0] = 0;
        for (int k = 1; k <= s; k++) {
            for (int j = k; j <= l; j++) {
                for (int i = k - 1; i < j; i++) {
                    if (best[k - 1][i] == Long.MAX_VALUE) {
                        continue;
                    }
                    long v = Math.max(best[k - 1][i], prefix[j] - prefix[i]);
                    if (v < best[k][j]) {
                        best[k][j] = v;
                        cut[k][j] = i;
                    }
                }
            }
        }
        int[] bounds = new int[s + 1];
        bounds[s] = l;
        for (int k = s; k > 0; k--) {
            bounds[k - 1] = cut[k][bounds[k]];
        }
        return of(sizes, bounds);
    }

    /** An explicit split "0-9,10-19,20-31": contiguous ranges covering every layer once, in order. */
    public static StagePlan parse(String spec, LayerSizes sizes) {
        String[] parts = spec.trim().split(",");
        int[] bounds = new int[parts.length + 1];
        int next = 0;
        for (int i = 0; i < parts.length; i++) {
            String[] ab = parts[i].trim().split("-");
            int a;
            int b;
            try {
                a = Integer.parseInt(ab[0].trim());
                b = ab.length == 2 ? Integer.parseInt(ab[1].trim()) : a;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--stage-layers: '" + parts[i] + "' is not a layer range like 0-9");
            }
            if (ab.length > 2 || a != next || b < a) {
                throw new IllegalArgumentException("--stage-layers: ranges must be contiguous from layer 0 in order; '"
                    + parts[i].trim() + "' should start at " + next);
            }
            bounds[i] = a;
            next = b + 1;
        }
        if (next != sizes.layers()) {
            throw new IllegalArgumentException("--stage-layers covers layers 0-" + (next - 1) + " of a model with "
                + sizes.layers() + " layers");
        }
        bounds[parts.length] = next;
        return of(sizes, bounds);
    }

    private static StagePlan of(LayerSizes sizes, int[] bounds) {
        List<Stage> out = new ArrayList<>();
        int s = bounds.length - 1;
        for (int k = 0; k < s; k++) {
            long w = 0;
            long c = 0;
            long st = 0;
            for (int l = bounds[k]; l < bounds[k + 1]; l++) {
                w += sizes.layerWeights()[l];
                c += sizes.layerCache()[l];
                st += sizes.layerState()[l];
            }
            boolean first = k == 0;
            boolean last = k == s - 1;
            w += (first ? sizes.embeddingBytes() : 0) + (last ? sizes.headBytes() : 0);
            out.add(new Stage(k, bounds[k], bounds[k + 1], first, last, w, c, st));
        }
        return new StagePlan(List.copyOf(out), sizes);
    }
}
