package io.lingspark.engine.runtime;

import io.lingspark.engine.step.ForwardBatch;
import java.util.List;

/**
 * The continuations of a scored context fork its cache instead of computing it again (the scheduler's
 * side; {@link KvCacheManager#fork} keeps the books). When a group's lead has computed the shared
 * context, each other continuation starts on a table that shares the blocks the context fills; the
 * block it fills only in part is copied into a block of the continuation's own by its first step
 * (copy-on-write: the lead goes on writing its own continuation into the original), and on a hybrid
 * model the recurrent state is copied from the lead's slot, which the lead leaves exactly at the
 * context's end until every fork's first step is on its way. The copy's source block and slot stay
 * held until that step has run, whatever happens to the lead meanwhile. On the scheduler's thread.
 */
final class ContextForks {
    private final KvCacheManager cache;
    private final PrefixCache prefix;

    ContextForks(KvCacheManager cache, PrefixCache prefix) {
        this.cache = cache;
        this.prefix = prefix;
    }

    /**
     * Starts s on its lead's cache (s then computes only its continuation), within what memory leaves
     * the running sequences; false when the blocks or a state slot are not free now (s then computes its
     * context itself, from the prefix cache where it can).
     */
    boolean fork(Sequence lead, Sequence s, List<Sequence> running) {
        int c = s.score.contextLen();
        int shared = c / cache.blockSize();
        int reserved = 0;
        for (Sequence r : running) {
            reserved += cache.blocksNeeded(r.table, r.totalLength());
        }
        if (lead.table == null || lead.numComputed < c || (cache.usesSlots() && lead.numComputed != c)
            || cache.blocksFor(s.totalLength()) - shared > cache.freeBlocks() - reserved) {
            return false;
        }
        KvCacheManager.BlockTable t = new KvCacheManager.BlockTable();
        if (cache.usesSlots() && !cache.takeSlot(t)) {
            return false;
        }
        s.copyFrom = cache.fork(lead.table, t, c);
        s.copyTo = s.copyFrom >= 0 ? t.snapshot()[shared] : -1;
        if (cache.usesSlots()) {
            s.forkSlot = lead.table.slot();
            cache.holdSlot(s.forkSlot);
        }
        s.table = t;
        s.numComputed = c;
        prefix.forked(s, shared);
        return true;
    }

    /**
     * A step is being built with s in it: a fork's first step carries its block copy and restores its
     * state from the lead's slot. Returns the state slot the step restores s from (restore unchanged
     * for anything else).
     */
    int firstStep(Sequence s, ForwardBatch.Builder fb, int restore) {
        if ((s.copyFrom < 0 && s.forkSlot < 0) || s.forkSent) {
            return restore;
        }
        if (s.copyFrom >= 0) {
            fb.copyBlock(s.copyFrom, s.copyTo);
        }
        s.forkSent = true;
        return s.forkSlot >= 0 ? s.forkSlot : restore;
    }

    /** A hybrid lead waits at its context's end while a fork's first step has yet to copy its state from there. */
    static boolean waits(Sequence s) {
        if (s.score == null || !s.score.lead() || s.table == null || s.table.slot() < 0) {
            return false;
        }
        for (Sequence c : s.request.choices) {
            if (c.forkSlot == s.table.slot() && !c.forkSent) {
                return true;
            }
        }
        return false;
    }

    /** A fork's holds on its source block and slot go: its first step ran, or it left the cache before. */
    void release(Sequence s) {
        if (s.copyFrom >= 0) {
            cache.releaseBlock(s.copyFrom);
        }
        if (s.forkSlot >= 0) {
            cache.releaseSlot(s.forkSlot);
        }
        s.copyFrom = s.copyTo = s.forkSlot = -1;
        s.forkSent = false;
    }
}
