package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * CPython's random.Random, bit for bit: the MT19937 generator seeded as {@code random.seed(int)}
 * does (init_by_array over the seed's 32-bit words), random(), getrandbits(k), and the two methods
 * lm-evaluation-harness draws with: sample() (fewshot examples, random.Random(1234)) and choices()
 * (bootstrap resamples, random.Random(i) per chunk of 1000). Reproducing them makes a task's fewshot
 * prompts and bootstrap standard errors the ones lm-eval computes, not merely similar.
 */
final class PyRandom {
    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int mti;

    /** random.Random(seed) for a non-negative int seed. */
    PyRandom(long seed) {
        if (seed < 0) {
            throw new IllegalArgumentException("seed must be >= 0");
        }
        int hi = (int) (seed >>> 32);
        initByArray(hi == 0 ? new int[] {(int) seed} : new int[] {(int) seed, hi});
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (mti = 1; mti < N; mti++) {
            mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
        }
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1;
        int j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) {
                j = 0;
            }
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x80000000;
    }

    /** genrand_uint32, as an unsigned value in the low 32 bits. */
    private long next32() {
        if (mti >= N) {
            int kk;
            for (kk = 0; kk < N - M; kk++) {
                int y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
                mt[kk] = mt[kk + M] ^ (y >>> 1) ^ ((y & 1) == 0 ? 0 : 0x9908b0df);
            }
            for (; kk < N - 1; kk++) {
                int y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
                mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ ((y & 1) == 0 ? 0 : 0x9908b0df);
            }
            int y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
            mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((y & 1) == 0 ? 0 : 0x9908b0df);
            mti = 0;
        }
        int y = mt[mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** random(): 53 random bits as a double in [0, 1). */
    double random() {
        long a = next32() >>> 5;
        long b = next32() >>> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /** getrandbits(k) for 0 <= k <= 32. */
    long getrandbits(int k) {
        if (k < 0 || k > 32) {
            throw new IllegalArgumentException("k must be in [0, 32]");
        }
        return k == 0 ? 0 : next32() >>> (32 - k);
    }

    /** _randbelow_with_getrandbits(n): rejection sampling on n.bit_length() bits. */
    private int randbelow(int n) {
        int k = 32 - Integer.numberOfLeadingZeros(n);
        long r = getrandbits(k);
        while (r >= n) {
            r = getrandbits(k);
        }
        return (int) r;
    }

    /** The indexes sample(range(n), k) returns, in order; Python's choice of pool or set path included. */
    List<Integer> sampleIndices(int n, int k) {
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("Sample larger than population or is negative: k=" + k + ", n=" + n);
        }
        List<Integer> result = new ArrayList<>(k);
        long setsize = 21;
        if (k > 5) {
            setsize += (long) Math.pow(4, Math.ceil(Math.log(k * 3.0) / Math.log(4)));
        }
        if (n <= setsize) {
            int[] pool = new int[n];
            for (int i = 0; i < n; i++) {
                pool[i] = i;
            }
            for (int i = 0; i < k; i++) {
                int j = randbelow(n - i);
                result.add(pool[j]);
                pool[j] = pool[n - i - 1];
            }
        } else {
            Set<Integer> selected = new HashSet<>();
            for (int i = 0; i < k; i++) {
                int j = randbelow(n);
                while (selected.contains(j)) {
                    j = randbelow(n);
                }
                selected.add(j);
                result.add(j);
            }
        }
        return result;
    }

    /** One draw of choices(population of n) without weights: floor(random() * n). */
    int choiceIndex(int n) {
        return (int) Math.floor(random() * n);
    }
}
