package io.lingspark.engine.runtime;

import java.util.Arrays;

/**
 * Picks the next token of one sequence from its logits row, with vLLM's SamplingParams semantics, in
 * vLLM's order:
 * <ol>
 *   <li>structured output: ids the row's constraint does not allow next are masked (the packed
 *       {@code allowed} bitmask, {@link LogitMask});</li>
 *   <li>min_tokens: eos and stop ids are masked until min_tokens tokens were generated (under a
 *       constraint that allows nothing else, they stay: the answer is complete);</li>
 *   <li>repetition_penalty (HF/vLLM) on every id seen in prompt or output: positive logits are divided,
 *       negative ones multiplied;</li>
 *   <li>frequency and presence penalties on output ids: {@code l -= frequency·count + presence}.</li>
 *   <li>temperature 0 (below 1e-5, vLLM's epsilon): argmax, the lowest id on ties; otherwise
 *       softmax(l / T), then top_k, then top_p over the top_k-renormalised distribution (keep the
 *       smallest most-likely set whose mass reaches top_p, at least one token), then min_p (drop ids
 *       whose probability is below min_p times the largest), then one draw.</li>
 * </ol>
 * The draw is counter-based: the n-th draw of a sequence is the n-th double of
 * {@code SplittableRandom(seed)}, computed from (seed, n) alone, so a seeded request gives the same
 * tokens whatever shares the batch, however often it is preempted, and on whichever thread samples it.
 *
 * <p>Logprobs follow vLLM's default {@code logprobs_mode=raw_logprobs}: the log-softmax of the model's
 * raw logits, before penalties, temperature and masks, so they describe the model, not the sampler.
 *
 * <p>The static {@link #sample(float[], int, int, Row, Scratch)} works on one row of a step's [R, V]
 * logits in place, with vocabulary-sized buffers from a reusable {@link Scratch}: nothing of size V is
 * allocated per token. An instance is the same sampler with one sequence's state (tests, simple use).
 */
public final class Sampler {
    /** vLLM treats temperatures below this as greedy. */
    static final double GREEDY_EPS = 1e-5;
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    /**
     * What one draw needs, as plain data.
     *
     * @param seed      the sequence's seed (see {@link #choiceSeed})
     * @param generated tokens drawn so far: the index of this draw
     * @param blocked   ids masked while generated < min_tokens (eos unless ignore_eos, stop_token_ids)
     * @param history   prompt then generated ids; [0, length) are valid
     * @param allowed   null: every id; else the packed mask [ceil(V / 64)] of the ids allowed next (bit id % 64
     *                  of word id / 64), shared and read-only
     */
    public record Row(SamplingParams params, long seed, int generated, int[] blocked, int[] history, int promptLen,
                      int length, long[] allowed) {
        public Row(SamplingParams params, long seed, int generated, int[] blocked, int[] history, int promptLen,
                   int length) {
            this(params, seed, generated, blocked, history, promptLen, length, null);
        }
    }

    /**
     * The chosen token, with its raw logprob and the top {@code logprobs} alternatives when logprobs were
     * asked for (topIds/topLogprobs empty otherwise, logprob NaN).
     */
    public record Sample(int token, double logprob, int[] topIds, double[] topLogprobs) {
    }

    /** Vocabulary-sized working buffers, reused from draw to draw (one per sampling thread). */
    public static final class Scratch {
        float[] raw = new float[0];
        double[] w = new double[0];
        int[] ids = new int[0];
        long[] keys = new long[0];
        float[] sub = new float[0];  // a narrow constraint's candidates' logits
        int[] subIds = new int[0];   // and their ids, ascending
        int[] counts = new int[0];
        int[] stamp = new int[0];
        int stampValue;

        void ensure(int v) {
            if (w.length < v) {
                raw = new float[v];
                w = new double[v];
                ids = new int[v];
                keys = new long[v];
                sub = new float[v];
                subIds = new int[v];
                counts = new int[v];
                stamp = new int[v];
                stampValue = 0;
            }
        }
    }

    // ---- one sequence's state (the instance API) ----

    private final SamplingParams p;
    private final long seed;
    private final int[] blockedUntilMinTokens;
    private final int promptLen;
    private int[] history;
    private int length;
    private int generated;
    private final Scratch scratch = new Scratch();

    /**
     * @param seed                  this sequence's seed (see {@link #choiceSeed})
     * @param promptIds             the prompt, for repetition_penalty
     * @param blockedUntilMinTokens ids masked while fewer than min_tokens were generated
     */
    public Sampler(SamplingParams p, long seed, int[] promptIds, int[] blockedUntilMinTokens) {
        this.p = p;
        this.seed = seed;
        this.blockedUntilMinTokens = blockedUntilMinTokens.clone();
        this.history = Arrays.copyOf(promptIds, promptIds.length + 16);
        this.promptLen = promptIds.length;
        this.length = promptIds.length;
    }

    private Row row() {
        return new Row(p, seed, generated, blockedUntilMinTokens, history, promptLen, length);
    }

    /** Chooses the next token from logits (overwritten) and records it as generated. */
    public Sample sample(float[] logits) {
        Sample s = sample(logits, 0, logits.length, row(), scratch);
        if (length == history.length) {
            history = Arrays.copyOf(history, 2 * length + 1);
        }
        history[length++] = s.token();
        generated++;
        return s;
    }

    /** Steps 1–3 of the class comment, in place. */
    void applyPenalties(float[] l) {
        applyPenalties(l, 0, l.length, row(), scratch);
    }

    /** The weights step 4 draws from (a copy): see {@link #keptWeights(float[], int, int, int, SamplingParams, Scratch)}. */
    double[] keptWeights(float[] l) {
        keptWeights(l, 0, l.length, l.length, p, scratch);
        return Arrays.copyOf(scratch.w, l.length);
    }

    // ---- the core, on row [off, off + v) of a step's logits ----

    /** The seed of choice i of a request: the request seed for choice 0, a SplitMix64 derivation after. */
    public static long choiceSeed(long requestSeed, int choice) {
        if (choice == 0) {
            return requestSeed;
        }
        return mix64(requestSeed + choice * GOLDEN_GAMMA);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The n-th (0-based) nextDouble() of {@code new SplittableRandom(seed)}, without its state. */
    static double uniform(long seed, int n) {
        return (mix64(seed + (n + 1L) * GOLDEN_GAMMA) >>> 11) * 0x1.0p-53;
    }

    /** A 64-bit seed for the n-th draw of a sequence (device sampling's per-row seed). */
    static long drawSeed(long seed, int n) {
        return mix64(seed + (n + 1L) * GOLDEN_GAMMA);
    }

    /** Chooses the next token from l[off, off + v) (overwritten). */
    public static Sample sample(float[] l, int off, int v, Row row, Scratch s) {
        SamplingParams p = row.params();
        s.ensure(v);
        boolean logprobs = p.logprobs() != null;
        if (logprobs) {
            System.arraycopy(l, off, s.raw, 0, v);
        }
        int token;
        int n = row.allowed() == null ? -1 : LogitMask.candidates(row.allowed(), v, s.subIds);
        if (n > 0) {
            // A narrow constraint: choose among its candidates (ids ascending) instead of masking the whole
            // row; every masked id would have weight 0, so the choice is the same, bit for bit.
            applyPenalties(l, off, v, row, s);
            for (int k = 0; k < n; k++) {
                s.sub[k] = l[off + s.subIds[k]];
            }
            int i = p.temperature() < GREEDY_EPS ? argmax(s.sub, 0, n)
                : draw(s.sub, 0, n, v, p, uniform(row.seed(), row.generated()), s);
            token = s.subIds[i];
        } else {
            if (row.allowed() != null) {
                LogitMask.apply(l, off, v, row.allowed());
            }
            applyPenalties(l, off, v, row, s);
            token = p.temperature() < GREEDY_EPS ? argmax(l, off, v) : draw(l, off, v, v, p, uniform(row.seed(), row.generated()), s);
        }
        if (!logprobs) {
            return new Sample(token, Double.NaN, new int[0], new double[0]);
        }
        double lse = logSumExp(s.raw, 0, v);
        int[] top = topIndices(s.raw, 0, v, p.logprobs());
        double[] topLp = new double[top.length];
        for (int i = 0; i < top.length; i++) {
            topLp[i] = s.raw[top[i]] - lse;
        }
        return new Sample(token, s.raw[token] - lse, top, topLp);
    }

    /** Steps 1–3: min_tokens mask, repetition penalty over distinct seen ids, frequency and presence. */
    static void applyPenalties(float[] l, int off, int v, Row row, Scratch s) {
        SamplingParams p = row.params();
        s.ensure(v);
        if (row.generated() < p.minTokens() && !LogitMask.onlyBlockedAllowed(row.allowed(), row.blocked())) {
            for (int id : row.blocked()) {
                if (id >= 0 && id < v) {
                    l[off + id] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        int[] h = row.history();
        float rep = (float) p.repetitionPenalty();
        if (rep != 1f) {
            int mark = nextStamp(s);
            for (int i = 0; i < row.length(); i++) {
                int id = h[i];
                if (id >= 0 && id < v && s.stamp[id] != mark) {
                    s.stamp[id] = mark;
                    l[off + id] = l[off + id] > 0 ? l[off + id] / rep : l[off + id] * rep;
                }
            }
        }
        double freq = p.frequencyPenalty();
        double pres = p.presencePenalty();
        if (freq != 0 || pres != 0) {
            int n = 0;
            for (int i = row.promptLen(); i < row.length(); i++) {
                int id = h[i];
                if (id >= 0 && id < v && s.counts[id]++ == 0) {
                    s.ids[n++] = id; // distinct output ids, first occurrence order
                }
            }
            for (int j = 0; j < n; j++) {
                int id = s.ids[j];
                l[off + id] = (float) (l[off + id] - freq * s.counts[id] - pres);
                s.counts[id] = 0;
            }
        }
    }

    private static int nextStamp(Scratch s) {
        if (++s.stampValue == Integer.MAX_VALUE) {
            Arrays.fill(s.stamp, 0);
            s.stampValue = 1;
        }
        return s.stampValue;
    }

    /**
     * One draw from the weights left by {@link #keptWeights}, walking ids in index order; u in [0, 1).
     * l[off, off + v) are the candidates (the whole row, or a constraint's allowed ids in id order) of a
     * vocab-sized row.
     */
    private static int draw(float[] l, int off, int v, int vocab, SamplingParams p, double u01, Scratch s) {
        keptWeights(l, off, v, vocab, p, s);
        double[] w = s.w;
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += w[i];
        }
        double u = u01 * sum;
        int last = -1;
        for (int id = 0; id < v; id++) {
            if (w[id] > 0) {
                last = id;
                u -= w[id];
                if (u < 0) {
                    return id;
                }
            }
        }
        return last >= 0 ? last : argmax(l, off, v); // rounding left u >= 0: the last kept id
    }

    /**
     * Temperature, top_k, top_p and min_p over penalised logits into s.w[0, v): unnormalised
     * probabilities {@code exp((l - max) / T)} (the most likely id has weight 1), zero for every
     * dropped id.
     */
    static void keptWeights(float[] l, int off, int v, int vocab, SamplingParams p, Scratch s) {
        s.ensure(v);
        double[] w = s.w;
        double t = p.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, l[off + i]);
        }
        double total = 0;
        for (int i = 0; i < v; i++) {
            w[i] = l[off + i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp((l[off + i] - max) / t);
            total += w[i];
        }
        // Decided on the whole vocabulary, so candidates-only sampling keeps every choice the same.
        boolean topK = p.topK() > 0 && p.topK() < vocab;
        if (topK || p.topP() < 1) {
            int[] kept;
            int n;
            if (topK) {
                kept = topIndices(l, off, v, p.topK());
                n = kept.length;
            } else {
                // Exact pre-filter for top_p: ids whose probability is below (1 - top_p) / V add up to less
                // than 1 - top_p and are the least likely, so top_p drops them all; skipping them keeps the
                // sort small.
                double floor = (1 - p.topP()) * total / vocab;
                n = 0;
                for (int i = 0; i < v; i++) {
                    if (w[i] > 0 && w[i] >= floor) {
                        s.ids[n++] = i;
                    }
                }
                kept = sortByLogitDesc(l, off, s.ids, n, s.keys);
            }
            int keep = n;
            if (p.topP() < 1) {
                double mass = 0;
                for (int j = 0; j < n; j++) {
                    mass += w[kept[j]];
                }
                double cum = 0;
                keep = 0;
                // Keep an id while the mass of the more likely ids before it is still below top_p.
                while (keep < n && (keep == 0 || cum < p.topP() * mass)) {
                    cum += w[kept[keep]];
                    keep++;
                }
            }
            // Zero everything but the kept ids (kept[0, keep) hold their weights).
            int mark = nextStamp(s);
            for (int j = 0; j < keep; j++) {
                s.stamp[kept[j]] = mark;
            }
            for (int i = 0; i < v; i++) {
                if (s.stamp[i] != mark) {
                    w[i] = 0;
                }
            }
        }
        double minW = p.minP(); // relative to the largest probability, whose weight is 1
        if (minW > 0) {
            for (int i = 0; i < v; i++) {
                if (w[i] < minW) {
                    w[i] = 0;
                }
            }
        }
    }

    /** Index of the largest value; the lowest index on ties (torch.argmax behaviour). */
    public static int argmax(float[] v) {
        return argmax(v, 0, v.length);
    }

    /** argmax over l[off, off + v), as an index into that row. */
    public static int argmax(float[] l, int off, int v) {
        return Argmax.of(l, off, v);
    }

    static double logSumExp(float[] l, int off, int v) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, l[off + i]);
        }
        double s = 0;
        for (int i = 0; i < v; i++) {
            s += Math.exp(l[off + i] - max);
        }
        return max + Math.log(s);
    }

    static int[] topIndices(float[] l, int k) {
        return topIndices(l, 0, l.length, k);
    }

    /** The k largest ids by value, most likely first, lower id first on ties (a size-k min-heap, O(V log k)). */
    static int[] topIndices(float[] l, int off, int v, int k) {
        k = Math.min(k, v);
        if (k <= 0) {
            return new int[0];
        }
        long[] heap = new long[k]; // sort keys: smaller key = more likely
        int size = 0;
        for (int i = 0; i < v; i++) {
            long key = key(l[off + i], i);
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

    /** ids[0, n) sorted in place by (logit desc, id asc), keys as scratch; returns ids. */
    private static int[] sortByLogitDesc(float[] l, int off, int[] ids, int n, long[] keys) {
        for (int i = 0; i < n; i++) {
            keys[i] = key(l[off + ids[i]], ids[i]);
        }
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < n; i++) {
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
