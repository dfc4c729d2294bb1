package io.lingspark.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of tokenizer.json: merges applied lowest rank first (leftmost on equal rank), the
 * same order as tokenizers' {@code Word::merge_all}. A word is one pre-token (already byte-level
 * mapped). Results are cached per word because prompts repeat words a lot.
 */
final class Bpe {
    private static final int CACHE_LIMIT = 200_000;
    /** Words longer than this are not cached (long whitespace runs, base64 blobs). */
    private static final int CACHE_WORD_MAX = 256;

    private final Map<String, Integer> vocab;
    /** (left id << 32 | right id) → rank << 32 | merged id. */
    private final Map<Long, Long> merges;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    Bpe(Map<String, Integer> vocab, List<String[]> mergePairs) {
        this.vocab = vocab;
        this.merges = new HashMap<>(mergePairs.size() * 2);
        for (int rank = 0; rank < mergePairs.size(); rank++) {
            String[] p = mergePairs.get(rank);
            Integer a = vocab.get(p[0]);
            Integer b = vocab.get(p[1]);
            Integer m = vocab.get(p[0] + p[1]);
            if (a == null || b == null || m == null) {
                throw new IllegalArgumentException("merge '" + p[0] + " " + p[1] + "' uses a token missing from the vocabulary");
            }
            merges.putIfAbsent(key(a, b), ((long) rank << 32) | m);
        }
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** Appends the ids of one word to out. */
    void tokenize(String word, IntList out) {
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = merge(word);
            if (word.length() <= CACHE_WORD_MAX) {
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(word, cached);
            }
        }
        out.addAll(cached);
    }

    private int[] merge(String word) {
        // Symbols are the word's chars (code points); with no unk token, unknown ones are dropped,
        // which cannot happen for byte-level input since all 256 byte symbols are in the vocabulary.
        List<Integer> initial = new ArrayList<>();
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            Integer id = vocab.get(new String(Character.toChars(cp)));
            if (id != null) {
                initial.add(id);
            }
            i += Character.charCount(cp);
        }
        int n = initial.size();
        int[] ids = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0; i < n; i++) {
            ids[i] = initial.get(i);
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // Heap entries: rank, position, expected right id at push time (to detect stale entries).
        PriorityQueue<long[]> heap = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
        for (int i = 0; i + 1 < n; i++) {
            push(heap, ids, i, i + 1);
        }
        while (!heap.isEmpty()) {
            long[] top = heap.poll();
            int pos = (int) top[1];
            int right = next[pos];
            if (dead[pos] || right < 0 || ids[pos] != (int) top[2] || ids[right] != (int) top[3]) {
                continue;
            }
            ids[pos] = (int) top[4];
            dead[right] = true;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                push(heap, ids, prev[pos], pos);
            }
            if (next[pos] >= 0) {
                push(heap, ids, pos, next[pos]);
            }
        }
        IntList out = new IntList();
        for (int i = 0; i >= 0 && i < n; i = next[i]) {
            out.add(ids[i]);
        }
        return out.toArray();
    }

    private void push(PriorityQueue<long[]> heap, int[] ids, int left, int right) {
        Long m = merges.get(key(ids[left], ids[right]));
        if (m != null) {
            heap.add(new long[] {m >>> 32, left, ids[left], ids[right], m & 0xFFFFFFFFL});
        }
    }
}
