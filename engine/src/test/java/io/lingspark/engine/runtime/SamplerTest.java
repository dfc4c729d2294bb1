package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Hand-computed values on logits [2, 1, 0, -1]: softmax = [0.6439, 0.2369, 0.0871, 0.0321]. */
class SamplerTest {
    private static final float[] L = {2, 1, 0, -1};

    private static SamplingParams.Builder params() {
        return SamplingParams.builder();
    }

    private static Sampler sampler(SamplingParams p) {
        return new Sampler(p, 42, new int[0], new int[0]);
    }

    /** The final distribution the draw uses, normalised. */
    private static double[] dist(SamplingParams p, float[] logits) {
        double[] w = sampler(p).keptWeights(logits.clone());
        double s = Arrays.stream(w).sum();
        return Arrays.stream(w).map(x -> x / s).toArray();
    }

    private static void near(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4, "index " + i + " of " + Arrays.toString(actual));
        }
    }

    @Test
    void temperatureOneIsSoftmax() {
        near(new double[] {0.6439, 0.2369, 0.0871, 0.0321}, dist(params().build(), L));
    }

    @Test
    void temperatureTwoFlattens() {
        // exp((l - 2) / 2) = [1, 0.6065, 0.3679, 0.2231], sum 2.1975
        near(new double[] {0.4551, 0.2760, 0.1674, 0.1015}, dist(params().temperature(2).build(), L));
    }

    @Test
    void topKKeepsTheKMostLikely() {
        // [e^2, e^1] renormalised
        near(new double[] {0.7311, 0.2689, 0, 0}, dist(params().topK(2).build(), L));
    }

    @Test
    void topPKeepsSmallestSetReachingP() {
        near(new double[] {1, 0, 0, 0}, dist(params().topP(0.5).build(), L));
        near(new double[] {0.7311, 0.2689, 0, 0}, dist(params().topP(0.8).build(), L)); // 0.6439 < 0.8 ≤ 0.8808
        near(new double[] {0.6652, 0.2447, 0.0900, 0}, dist(params().topP(0.9).build(), L)); // 0.8808 < 0.9
    }

    @Test
    void topPAppliesToTheTopKRenormalisedDistribution() {
        // top-3: [0.6652, 0.2447, 0.0900]; mass before id 2 is 0.9099 ≥ 0.9, so id 2 goes (kept without top_k).
        near(new double[] {0.7311, 0.2689, 0, 0}, dist(params().topK(3).topP(0.9).build(), L));
    }

    @Test
    void minPDropsRelativeToTheMostLikely() {
        // p / p_max = [1, 0.3679, 0.1353, 0.0498]
        near(new double[] {0.7311, 0.2689, 0, 0}, dist(params().minP(0.2).build(), L));
        near(new double[] {0.6652, 0.2447, 0.0900, 0}, dist(params().minP(0.1).build(), L));
    }

    @Test
    void greedyTakesLowestIdOnTies() {
        SamplingParams p = params().temperature(0).build();
        assertEquals(1, sampler(p).sample(new float[] {0, 3, 3, 1}).token());
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        SamplingParams p = params().repetitionPenalty(2).build();
        Sampler s = new Sampler(p, 1, new int[] {0, 3}, new int[0]);
        float[] l = L.clone();
        s.applyPenalties(l);
        assertArrayEquals(new float[] {1, 1, 0, -2}, l);
        // Greedy over the penalised row: 0 and 1 tie at 1, the lower id wins.
        Sampler g = new Sampler(params().temperature(0).repetitionPenalty(2).build(), 1, new int[] {0, 3}, new int[0]);
        assertEquals(0, g.sample(L.clone()).token());
        // Generated ids count too: after id 0 is drawn, penalty 4 turns its 2 into 0.5 < 1, so id 1 wins.
        Sampler g4 = new Sampler(params().temperature(0).repetitionPenalty(4).build(), 1, new int[0], new int[0]);
        assertEquals(0, g4.sample(L.clone()).token());
        assertEquals(1, g4.sample(L.clone()).token());
    }

    @Test
    void presenceAndFrequencyPenaltiesCountOutputTokens() {
        SamplingParams p = params().temperature(0).presencePenalty(0.5).frequencyPenalty(0.25).build();
        Sampler s = new Sampler(p, 1, new int[] {1, 2}, new int[0]); // prompt ids do not count
        assertEquals(0, s.sample(new float[] {9, 0, 0, 0}).token());
        assertEquals(0, s.sample(new float[] {9, 0, 0, 0}).token());
        assertEquals(1, s.sample(new float[] {0, 9, 0, 0}).token());
        float[] l = L.clone();
        s.applyPenalties(l);
        // id 0: 2 - 0.25·2 - 0.5 = 1.0; id 1: 1 - 0.25·1 - 0.5 = 0.25; ids 2, 3 untouched
        assertArrayEquals(new float[] {1.0f, 0.25f, 0, -1}, l, 1e-6f);
    }

    @Test
    void minTokensMasksEosUntilReached() {
        SamplingParams p = params().temperature(0).maxTokens(5).minTokens(2).build();
        Sampler s = new Sampler(p, 1, new int[0], new int[] {0});
        assertEquals(1, s.sample(L.clone()).token());
        assertEquals(1, s.sample(L.clone()).token());
        assertEquals(0, s.sample(L.clone()).token());
    }

    @Test
    void drawsFollowTheDistribution() {
        Sampler s = sampler(params().topK(3).build());
        int[] hist = new int[4];
        int n = 40000;
        for (int i = 0; i < n; i++) {
            hist[s.sample(L.clone()).token()]++;
        }
        double[] expected = {0.6652, 0.2447, 0.0900, 0};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], hist[i] / (double) n, 0.01, "id " + i + ": " + Arrays.toString(hist));
        }
    }

    @Test
    void sameSeedSameTokensAndChoicesDiffer() {
        SamplingParams p = params().temperature(1.5).build();
        float[] flat = new float[64];
        int[] a = run(new Sampler(p, 7, new int[0], new int[0]), flat);
        int[] b = run(new Sampler(p, 7, new int[0], new int[0]), flat);
        int[] c = run(new Sampler(p, Sampler.choiceSeed(7, 1), new int[0], new int[0]), flat);
        assertArrayEquals(a, b);
        assertNotEquals(Arrays.toString(a), Arrays.toString(c));
        assertEquals(7, Sampler.choiceSeed(7, 0));
    }

    private static int[] run(Sampler s, float[] logits) {
        int[] out = new int[32];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.sample(logits.clone()).token();
        }
        return out;
    }

    @Test
    void logprobsAreRawLogSoftmaxWithTopAlternatives() {
        SamplingParams p = params().temperature(0).repetitionPenalty(3).logprobs(2).build();
        Sampler s = new Sampler(p, 1, new int[] {0}, new int[0]);
        Sampler.Sample x = s.sample(L.clone());
        assertEquals(1, x.token()); // 2/3 < 1 after the penalty
        double lse = Math.log(Math.exp(2) + Math.exp(1) + 1 + Math.exp(-1));
        assertEquals(1 - lse, x.logprob(), 1e-6);
        assertArrayEquals(new int[] {0, 1}, x.topIds());
        assertEquals(2 - lse, x.topLogprobs()[0], 1e-6);
        assertEquals(0, sampler(params().logprobs(0).build()).sample(L.clone()).topIds().length);
    }

    @Test
    void topIndicesOrdersByValueThenId() {
        assertArrayEquals(new int[] {1, 2}, Sampler.topIndices(new float[] {1, 3, 3, 0}, 2));
        assertArrayEquals(new int[] {3, 0, 2, 1}, Sampler.topIndices(new float[] {0, -5, -1, 4}, 9));
    }
}
