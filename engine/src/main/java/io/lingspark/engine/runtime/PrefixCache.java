package io.lingspark.engine.runtime;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The scheduler's side of automatic prefix caching: which of a sequence's leading blocks it can take
 * from the {@link KvCacheManager}'s cached blocks, and what it registers there as its steps compute.
 * On the scheduler's thread only.
 *
 * <p>A sequence is admitted with the longest cached chain of full blocks of its tokens (never its
 * last token: that one's logits give the next) and prefills only the rest. Blocks it computes are
 * registered as each step comes back. Rows arriving together often share a prefix nobody has
 * computed yet: while a running sequence is computing the next block a waiting one needs, the waiting
 * one is passed over (SGLang's in-batch prefix check), so the prefix is computed once, not once per row.
 *
 * <p>Hybrid models (linear attention) need more than KV rows to resume at a position: the recurrent
 * state there. States are kept as snapshots in a separate set of slots, keyed by the block that ends
 * the prefix they follow; a hybrid sequence reuses the deepest chain that has a snapshot. A state is
 * saved where a prefix is shared (the prefill chunk stops there and the step copies the state): by a
 * running sequence that has not passed the point where a waiting one parts from it; else by the
 * first sequence that finds the KV blocks cached deeper than any snapshot (it computes the prefix
 * again, once); and by the first choice of an n > 1 request at the end of its prompt's full blocks,
 * for the other choices. Snapshots are evicted least recently used.
 */
final class PrefixCache {
    private final KvCacheManager blocks;
    private final int blockSize;
    private final boolean enabled;
    private final boolean stateful;           // a hybrid: a reused prefix needs a state snapshot where it ends
    private final BlockHash.Hasher hasher;
    private final Map<BlockHash, Integer> pending = new HashMap<>(); // blocks running sequences will compute → how many
    private final Map<BlockHash, Sequence> pendingBy = new HashMap<>(); // → the first of them
    private final int firstSnapshotSlot;
    private final int[] pins;                 // [snapshot slots] sequences that will restore from it
    private final BlockHash[] keyOf;          // [snapshot slots] the prefix it holds (saved or being saved)
    private final Map<BlockHash, Integer> saved = new HashMap<>();
    private final Set<BlockHash> saving = new HashSet<>();
    private final LinkedHashSet<Integer> idleSnapshots = new LinkedHashSet<>(); // saved, unpinned, LRU first
    private final ArrayDeque<Integer> freeSnapshots = new ArrayDeque<>();

    // Written on the scheduler's thread only, read by stats().
    volatile long promptTokens;        // prompt tokens of every admitted choice (first admission)
    volatile long cachedPromptTokens;  // of those, served from the cache

    /** What a waiting sequence would take from the cache now. */
    record Hit(int blocks, int kvBlocks, boolean defer) {
    }

    /**
     * @param snapshotSlots pool slots [first, first + count) that hold state snapshots (hybrid models)
     */
    PrefixCache(KvCacheManager blocks, boolean enabled, boolean stateful, int firstSnapshotSlot, int snapshotSlots) {
        this.blocks = blocks;
        this.blockSize = blocks.blockSize();
        this.enabled = enabled && (!stateful || snapshotSlots > 0);
        this.stateful = stateful;
        this.hasher = new BlockHash.Hasher(blockSize);
        this.firstSnapshotSlot = firstSnapshotSlot;
        this.pins = new int[snapshotSlots];
        this.keyOf = new BlockHash[snapshotSlots];
        for (int i = 0; i < snapshotSlots; i++) {
            freeSnapshots.add(firstSnapshotSlot + i);
        }
    }

    static PrefixCache off(KvCacheManager blocks) {
        return new PrefixCache(blocks, false, false, 0, 0);
    }

    boolean enabled() {
        return enabled;
    }

    /** The cached blocks a waiting sequence can start from, and whether it should wait for a block being computed. */
    Hit lookup(Sequence s) {
        if (!enabled) {
            return new Hit(0, 0, false);
        }
        int max = s.cacheableTokens() / blockSize;
        hash(s, max);
        int kv = blocks.match(s.hashes, s.tokens(), max);
        int usable = kv;
        boolean defer = kv < max && pending.containsKey(s.hashes[kv]);
        if (stateful) {
            while (usable > 0 && !saved.containsKey(s.hashes[usable - 1])) {
                defer |= saving.contains(s.hashes[usable - 1]); // a running sequence is about to save a deeper state
                usable--;
            }
            if (defer && kv < max) {
                askForSnapshot(s, kv, max);
            }
        }
        return new Hit(usable, kv, defer);
    }

    /**
     * A hybrid sequence waits for blocks from kv on that a running one is computing: if that one has
     * not passed the point where the two part yet, it saves its state there, so this one (and every
     * later one sharing the prefix) resumes from it instead of computing the prefix again.
     */
    private void askForSnapshot(Sequence s, int kv, int max) {
        Sequence owner = pendingBy.get(s.hashes[kv]);
        int part = kv;
        while (part < max && pending.containsKey(s.hashes[part])) {
            part++;
        }
        if (owner != null && owner.saveSlot < 0 && !owner.inFlight && part <= owner.hashed
            && owner.numComputed < part * blockSize && owner.hashes[part - 1].equals(s.hashes[part - 1])) {
            planSave(owner, part);
        }
    }

    /** Starts an admitted sequence (empty table, slot taken) on its hit; moreChoices: its request's other choices follow. */
    void admit(Sequence s, Hit hit, boolean moreChoices) {
        int k = hit.blocks();
        s.numComputed = k * blockSize;
        s.registered = k;
        if (s.preemptions == 0) { // its first admission (a preempted sequence is admitted again)
            promptTokens += s.promptLen;
            s.cachedTokens = Math.min(k * blockSize, s.promptLen);
            cachedPromptTokens += s.cachedTokens;
        }
        if (!enabled) {
            return;
        }
        blocks.acquire(s.table, s.hashes, k);
        if (stateful && k > 0) {
            s.restoreSlot = saved.get(s.hashes[k - 1]);
            pin(s.restoreSlot);
        }
        int full = s.totalLength() / blockSize;
        hash(s, full);
        for (int i = k; i < full; i++) {
            pending.merge(s.hashes[i], 1, Integer::sum);
            pendingBy.putIfAbsent(s.hashes[i], s);
        }
        s.pendingTo = full;
        if (stateful) {
            planSave(s, hit.kvBlocks() > k ? hit.kvBlocks() : moreChoices ? (s.promptLen - 1) / blockSize : 0);
        }
    }

    /**
     * Starts a sequence forked from another's cache (its table already shares that one's first shared
     * blocks and holds numComputed tokens): the same bookkeeping as a hit on those blocks, the forked
     * tokens counted as served from the cache.
     */
    void forked(Sequence s, int shared) {
        s.registered = shared;
        if (s.preemptions == 0) {
            promptTokens += s.promptLen;
            s.cachedTokens = Math.min(s.numComputed, s.promptLen);
            cachedPromptTokens += s.cachedTokens;
        }
        if (!enabled) {
            return;
        }
        int full = s.totalLength() / blockSize;
        hash(s, full);
        for (int i = shared; i < full; i++) {
            pending.merge(s.hashes[i], 1, Integer::sum);
            pendingBy.putIfAbsent(s.hashes[i], s);
        }
        s.pendingTo = full;
    }

    /** After a step: registers the blocks it completed and commits a snapshot it saved. */
    void computed(Sequence s) {
        if (!enabled) {
            return;
        }
        int full = s.numComputed / blockSize;
        hash(s, full);
        for (int i = s.registered; i < full; i++) {
            blocks.register(s.table, i, s.hashes[i], s.tokens());
            if (i < s.pendingTo) {
                unpend(s, s.hashes[i]);
            }
        }
        s.registered = Math.max(s.registered, full);
        if (s.restoreSlot >= 0 && s.restoreSent) {
            unpin(s.restoreSlot);
            s.restoreSlot = -1;
        }
        if (s.saveSlot >= 0 && s.numComputed >= s.saveAt) {
            BlockHash key = keyOf[s.saveSlot - firstSnapshotSlot];
            saving.remove(key);
            saved.put(key, s.saveSlot);
            idleSnapshots.add(s.saveSlot);
            s.saveSlot = -1;
            s.saveAt = -1;
        }
    }

    /** A sequence gives its cache back (finished, preempted, dropped): its claims here go too. */
    void release(Sequence s) {
        for (int i = s.registered; i < s.pendingTo; i++) {
            unpend(s, s.hashes[i]);
        }
        s.pendingTo = 0;
        s.registered = 0;
        if (s.restoreSlot >= 0) {
            unpin(s.restoreSlot);
            s.restoreSlot = -1;
        }
        s.restoreSent = false;
        if (s.saveSlot >= 0) {
            int i = s.saveSlot - firstSnapshotSlot;
            saving.remove(keyOf[i]);
            keyOf[i] = null;
            freeSnapshots.push(s.saveSlot);
            s.saveSlot = -1;
            s.saveAt = -1;
        }
    }

    private void planSave(Sequence s, int target) {
        if (target <= s.registered) {
            return;
        }
        BlockHash key = s.hashes[target - 1];
        if (saved.containsKey(key) || saving.contains(key)) {
            return;
        }
        Integer slot = freeSnapshots.poll();
        if (slot == null) {
            Iterator<Integer> it = idleSnapshots.iterator();
            if (!it.hasNext()) {
                return; // every snapshot is about to be restored: this prefix goes unsaved
            }
            slot = it.next();
            it.remove();
            saved.remove(keyOf[slot - firstSnapshotSlot]);
        }
        keyOf[slot - firstSnapshotSlot] = key;
        saving.add(key);
        s.saveSlot = slot;
        s.saveAt = target * blockSize;
    }

    private void pin(int slot) {
        if (pins[slot - firstSnapshotSlot]++ == 0) {
            idleSnapshots.remove(slot);
        }
    }

    private void unpin(int slot) {
        int i = slot - firstSnapshotSlot;
        if (--pins[i] == 0 && keyOf[i] != null && saved.containsKey(keyOf[i])) {
            idleSnapshots.add(slot);
        }
    }

    private void unpend(Sequence s, BlockHash h) {
        pending.computeIfPresent(h, (k, n) -> n == 1 ? null : n - 1);
        pendingBy.remove(h, s);
    }

    /** Makes sure the sequence's first n full blocks have keys. */
    private void hash(Sequence s, int n) {
        if (s.hashes.length < n) {
            s.hashes = Arrays.copyOf(s.hashes, Math.max(n, 2 * s.hashes.length));
        }
        for (int i = s.hashed; i < n; i++) {
            s.hashes[i] = hasher.next(i == 0 ? BlockHash.ROOT : s.hashes[i - 1], s.tokens(), i * blockSize, blockSize);
        }
        s.hashed = Math.max(s.hashed, n);
    }
}
