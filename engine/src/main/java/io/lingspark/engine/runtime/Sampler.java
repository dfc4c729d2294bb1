package io.lingspark.engine.runtime;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Picks the next token of one sequence from its logits row, with vLLM's SamplingParams semantics, in
 * vLLM's order:
 * <ol>
 *   <li>min_tokens: eos and stop ids are masked until min_tokens tokens were generated;</li>
 *   <li>repetition_penalty (HF/vLLM) on every id seen in prompt or output: positive logits are divided,
 *       negative ones multiplied;</li>
 *   <li>frequency and presence penalties on output ids: {@code l -= frequency·count + presence}.</li>
 *   <li>temperature 0 (below 1e-5, vLLM's epsilon): argmax, the lowest id on ties; otherwise
 *       softmax(l / T), then top_k, then top_p over the top_k-renormalised distribution (keep the
 *       smallest most-likely set whose mass reaches top_p, at least one token), then min_p (drop ids
 *       whose probability is below min_p times the largest), then one draw.</li>
 * </ol>
 * Each sequence owns its RNG, seeded from the request seed and the choice index, so a seeded request
 * gives the same tokens whatever shares the batch or however often it is preempted (the state survives
 * recomputation because sampled tokens are never redrawn).
 *
 * <p>Logprobs follow vLLM's default {@code logprobs_mode=raw_logprobs}: the log-softmax of the model's
 * raw logits, before penalties, temperature and masks, so they describe the model, not the sampler.
 *
 * <p>One instance per sequence; not thread-safe. {@link #sample} overwrites the row it is given.
 */
public final class Sampler {
    /** vLLM treats temperatures below this as greedy. */
    static final double GREEDY_EPS = 1e-5;

    private final SamplingParams p;
    private final SplittableRandom rng;
    private final BitSet seen = new BitSet();
    private final Map<Integer, int[]> counts = new HashMap<>();
    private final int[] blockedUntilMinTokens;
    private int generated;

    /**
     * @param seed                  this sequence's seed (see {@link #choiceSeed})
     * @param promptIds             the prompt, for repetition_penalty
     * @param blockedUntilMinTokens ids masked while fewer than min_tokens were generated (eos unless
     *                              ignore_eos, and stop_token_ids)
     */
    public Sampler(SamplingParams p, long seed, int[] promptIds, int[] blockedUntilMinTokens) {
        this.p = p;
        this.rng = new SplittableRandom(seed);
        for (int id : promptIds) {
            if (id >= 0) {
                seen.set(id);
            }
        }
        this.blockedUntilMinTokens = blockedUntilMinTokens.clone();
    }

    /** The seed of choice i of a request: the request seed for choice 0, a SplitMix64 derivation after. */
    public static long choiceSeed(long requestSeed, int choice) {
        if (choice == 0) {
            return requestSeed;
        }
        long z = requestSeed + choice * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The chosen token, with its raw logprob and the top {@code logprobs} alternatives when logprobs were
     * asked for (topIds/topLogprobs empty otherwise, logprob NaN).
     */
    public record Sample(int token, double logprob, int[] topIds, double[] topLogprobs) {
    }

    /** Chooses the next token from logits (overwritten) and records it as generated. */
    public Sample sample(float[] logits) {
        float[] raw = p.logprobs() != null ? logits.clone() : null;
        applyPenalties(logits);
        int token = p.temperature() < GREEDY_EPS ? argmax(logits) : draw(logits);
        seen.set(token);
        counts.computeIfAbsent(token, k -> new int[1])[0]++;
        generated++;
        if (raw == null) {
            return new Sample(token, Double.NaN, new int[0], new double[0]);
        }
        double lse = logSumExp(raw);
        int[] top = topIndices(raw, p.logprobs());
        double[] topLp = new double[top.length];
        for (int i = 0; i < top.length; i++) {
            topLp[i] = raw[top[i]] - lse;
        }
        return new Sample(token, raw[token] - lse, top, topLp);
    }

    /** Steps 1–3 of the class comment, in place. */
    void applyPenalties(float[] l) {
        if (generated < p.minTokens()) {
            for (int id : blockedUntilMinTokens) {
                if (id >= 0 && id < l.length) {
                    l[id] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        float rep = (float) p.repetitionPenalty();
        if (rep != 1f) {
            for (int id = seen.nextSetBit(0); id >= 0 && id < l.length; id = seen.nextSetBit(id + 1)) {
                l[id] = l[id] > 0 ? l[id] / rep : l[id] * rep;
            }
        }
        double freq = p.frequencyPenalty();
        double pres = p.presencePenalty();
        if (freq != 0 || pres != 0) {
            for (Map.Entry<Integer, int[]> e : counts.entrySet()) {
                int id = e.getKey();
                if (id < l.length) {
                    l[id] = (float) (l[id] - freq * e.getValue()[0] - pres);
                }
            }
        }
    }

    /** One draw from the weights left by {@link #keptWeights}, walking ids in index order. */
    private int draw(float[] l) {
        double[] w = keptWeights(l);
        double sum = 0;
        for (double x : w) {
            sum += x;
        }
        double u = rng.nextDouble() * sum;
        int last = -1;
        for (int id = 0; id < w.length; id++) {
            if (w[id] > 0) {
                last = id;
                u -= w[id];
                if (u < 0) {
                    return id;
                }
            }
        }
        return last >= 0 ? last : argmax(l); // rounding left u >= 0: the last kept id
    }

    /**
     * Temperature, top_k, top_p and min_p over penalised logits: unnormalised probabilities
     * {@code exp((l - max) / T)} (the most likely id has weight 1), zero for every dropped id.
     */
    double[] keptWeights(float[] l) {
        int v = l.length;
        double t = p.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (float x : l) {
            max = Math.max(max, x);
        }
        double[] w = new double[v];
        double total = 0;
        for (int i = 0; i < v; i++) {
            w[i] = l[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp((l[i] - max) / t);
            total += w[i];
        }
        boolean topK = p.topK() > 0 && p.topK() < v;
        if (topK || p.topP() < 1) {
            int[] kept;
            if (topK) {
                kept = topIndices(l, p.topK());
            } else {
                // Exact pre-filter for top_p: ids whose probability is below (1 - top_p) / V add up to less
                // than 1 - top_p and are the least likely, so top_p drops them all; skipping them keeps the
                // sort small.
                double floor = (1 - p.topP()) * total / v;
                int n = 0;
                int[] c = new int[v];
                for (int i = 0; i < v; i++) {
                    if (w[i] > 0 && w[i] >= floor) {
                        c[n++] = i;
                    }
                }
                kept = sortByLogitDesc(l, Arrays.copyOf(c, n));
            }
            int keep = kept.length;
            if (p.topP() < 1) {
                double mass = 0;
                for (int id : kept) {
                    mass += w[id];
                }
                double cum = 0;
                keep = 0;
                // Keep an id while the mass of the more likely ids before it is still below top_p.
                while (keep < kept.length && (keep == 0 || cum < p.topP() * mass)) {
                    cum += w[kept[keep]];
                    keep++;
                }
            }
            double[] masked = new double[v];
            for (int j = 0; j < keep; j++) {
                masked[kept[j]] = w[kept[j]];
            }
            w = masked;
        }
        double minW = p.minP(); // relative to the largest probability, whose weight is 1
        if (minW > 0) {
            for (int i = 0; i < v; i++) {
                if (w[i] < minW) {
                    w[i] = 0;
                }
            }
        }
        return w;
    }

    /** Index of the largest value; the lowest index on ties (torch.argmax behaviour). */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static double logSumExp(float[] l) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : l) {
            max = Math.max(max, x);
        }
        double s = 0;
        for (float x : l) {
            s += Math.exp(x - max);
        }
        return max + Math.log(s);
    }

    /** The k largest ids by value, most likely first, lower id first on ties (a size-k min-heap, O(V log k)). */
    static int[] topIndices(float[] l, int k) {
        k = Math.min(k, l.length);
        if (k <= 0) {
            return new int[0];
        }
        long[] heap = new long[k]; // sort keys: smaller key = more likely
        int size = 0;
        for (int i = 0; i < l.length; i++) {
            long key = key(l[i], i);
            if (size < k) {
                heap[size] = key;
                siftUp(heap, size++);
            } else if (key < heap[0]) {
                heap[0] = key;
                siftDown(heap, k);
            }
        }
        Arrays.sort(heap, 0, size);
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            out[i] = (int) heap[i];
        }
        return out;
    }

    private static int[] sortByLogitDesc(float[] l, int[] ids) {
        long[] keys = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            keys[i] = key(l[ids[i]], ids[i]);
        }
        Arrays.sort(keys);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) keys[i];
        }
        return ids;
    }

    /** A long that sorts ascending as (value descending, id ascending). */
    private static long key(float value, int id) {
        int bits = Float.floatToIntBits(value);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff); // monotone in value as a signed int
        return ((long) ~sortable << 32) | (id & 0xffffffffL);
    }

    // Max-heap on keys (the root is the least likely of the k kept so far).
    private static void siftUp(long[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (h[parent] >= h[i]) {
                return;
            }
            long t = h[parent];
            h[parent] = h[i];
            h[i] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] h, int size) {
        int i = 0;
        while (true) {
            int a = 2 * i + 1;
            int b = a + 1;
            int m = i;
            if (a < size && h[a] > h[m]) {
                m = a;
            }
            if (b < size && h[b] > h[m]) {
                m = b;
            }
            if (m == i) {
                return;
            }
            long t = h[m];
            h[m] = h[i];
            h[i] = t;
            i = m;
        }
    }
}
