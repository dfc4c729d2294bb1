package io.lingspark.engine.runtime;

import io.lingspark.engine.step.ForwardBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Continuous batching on one thread: every step is schedule → {@link ModelRunner#execute} → accept the
 * sampled tokens. A step fills a token budget, first one token for every decoding sequence, then
 * prefill chunks of sequences still reading their prompt (chunked prefill), for at most maxRunning
 * sequences that hold cache blocks. Finished sequences give their blocks back at once and waiting
 * ones join at the next step.
 *
 * <p>Cache memory is the {@link KvCacheManager}'s: before a step every scheduled sequence gets the
 * blocks its new tokens need, oldest first. When blocks run out, the newest running sequence is
 * preempted: its blocks go back and it returns to the head of the queue, to recompute prompt and
 * generated tokens later. The oldest sequence always fits (the context is clipped to the pool), so
 * memory delays requests but never fails them.
 *
 * <p>Scoring sequences run in the same steps: they read their tokens (chunked like prompts) and ask for
 * the logits of the rows from their first continuation position on, which the runner scores against
 * their targets (sampled and scored rows together at most maxBatchTokens / 2 a step, one scored row at
 * least). A scored context's other continuations fork its cache once it is computed ({@link ContextForks}).
 *
 * <p>A request whose future is done before its sequences are (the caller cancelled it, the engine
 * aborted it) leaves the batch at the next step and frees its blocks. An exception inside a step fails
 * the requests that had a sequence in that step (ENGINE_ERROR) and the loop goes on.
 */
final class Scheduler implements Runnable {
    private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());

    private final ModelRunner runner;
    private final KvCacheManager cache;
    private final PrefixCache prefix;
    private final ContextForks forks;
    private final Sequence.RuntimeContext ctx;
    private final int maxBatchTokens;
    private final int maxRunning;
    private final int contextLen;
    private final int maxLogitRows;       // logit rows a step: fp32 logits of maxBatchTokens / 2 rows fill the reserve's bf16 ones
    private final ConcurrentLinkedQueue<RequestState> incoming = new ConcurrentLinkedQueue<>();
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>(); // admission order
    private volatile boolean closed;
    private volatile Thread thread;

    final AtomicLong steps = new AtomicLong();
    final AtomicLong generated = new AtomicLong();
    final AtomicLong finishedRequests = new AtomicLong();
    final AtomicLong preemptions = new AtomicLong();
    final AtomicLong aborted = new AtomicLong();
    volatile int runningCount;
    volatile int waitingCount;
    volatile int usedBlocks;
    final AtomicLong prefillTokens = new AtomicLong(); // prompt (and recomputed) tokens fed to the model

    /**
     * @param contextLen a sequence that reaches it ends with "length" (at most the pool's capacity)
     */
    Scheduler(ModelRunner runner, KvCacheManager cache, Sequence.RuntimeContext ctx, int maxBatchTokens, int maxRunning,
              int contextLen) {
        this(runner, cache, PrefixCache.off(cache), ctx, maxBatchTokens, maxRunning, contextLen);
    }

    Scheduler(ModelRunner runner, KvCacheManager cache, PrefixCache prefix, Sequence.RuntimeContext ctx, int maxBatchTokens,
              int maxRunning, int contextLen) {
        this.runner = runner;
        this.cache = cache;
        this.prefix = prefix;
        this.forks = new ContextForks(cache, prefix);
        this.ctx = ctx;
        this.maxBatchTokens = Math.max(1, maxBatchTokens);
        this.maxRunning = Math.max(1, maxRunning);
        this.contextLen = contextLen;
        this.maxLogitRows = Math.max(1, this.maxBatchTokens / 2);
    }

    void start() {
        Thread t = new Thread(this, "lingspark-scheduler");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Hands a validated request (its choices already built) to the scheduler thread. */
    void submit(RequestState r) {
        incoming.add(r);
        wake();
        if (closed) {
            drainCancelled();
        }
    }

    /** Makes the loop look at its queues now (a new or an aborted request). */
    void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run() {
        while (!closed) {
            if (!step()) {
                LockSupport.parkNanos(this, 50_000_000L);
            }
        }
        drainCancelled();
    }

    void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        drainCancelled();
    }

    private synchronized void drainCancelled() {
        // Called from close() after the loop stopped (or from submit racing close); caches are freed here.
        for (RequestState r; (r = incoming.poll()) != null; ) {
            r.fail(ErrorCode.CANCELLED, "the engine was closed");
        }
        if (thread != null && thread.isAlive() && Thread.currentThread() != thread) {
            return; // the loop still owns running/waiting; it drains them when it ends
        }
        for (Sequence s : running) {
            release(s);
            s.request.fail(ErrorCode.CANCELLED, "the engine was closed");
        }
        for (Sequence s : waiting) {
            s.request.fail(ErrorCode.CANCELLED, "the engine was closed");
        }
        running.clear();
        waiting.clear();
        updateCounts();
    }

    /** A step handed to the runner that has not come back yet. */
    private record Step(List<Sequence> batch, List<Integer> take, List<Sequence> sampled,
                        java.util.concurrent.CompletableFuture<StepResult> result) {
    }

    private final Deque<Step> inFlight = new ArrayDeque<>();

    /**
     * One scheduling round: hand the runner steps until it has as many in flight as it takes (one for a
     * whole model, one per stage for a pipeline: each over sequences not already in flight), then take
     * the oldest back and apply its tokens. False when there was nothing to run.
     */
    boolean step() {
        takeIncoming();
        dropFinishedRequests();
        if (running.isEmpty() && waiting.isEmpty() && inFlight.isEmpty()) {
            updateCounts();
            return false;
        }
        int slots = Math.max(1, runner.maxInFlight());
        while (inFlight.size() < slots) {
            Step launched = launch(slots);
            if (launched == null) {
                break;
            }
            inFlight.add(launched);
        }
        if (inFlight.isEmpty()) {
            updateCounts();
            return false;
        }
        complete(inFlight.poll());
        updateCounts();
        return true;
    }

    /** Schedules and submits one step over sequences not in flight, or null when there is nothing to do. */
    private Step launch(int slots) {
        admit();
        List<Sequence> batch = new ArrayList<>();
        List<Integer> take = new ArrayList<>();
        // With several steps in flight, each takes its share of the sequences so the stages all have work.
        int free = 0;
        for (Sequence s : running) {
            free += s.inFlight ? 0 : 1;
        }
        int perStep = slots == 1 ? Integer.MAX_VALUE : Math.max(1, (running.size() + slots - 1) / slots);
        plan(batch, take, Math.min(perStep, free));
        if (batch.isEmpty()) {
            return null;
        }
        ForwardBatch.Builder fb = ForwardBatch.builder();
        List<Sampler.Row> rows = new ArrayList<>();
        List<int[]> targets = new ArrayList<>();
        List<Sequence> sampled = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            int n = take.get(i);
            boolean last = s.score == null && n == s.pending(); // the chunk reaches the end: its last row gives the next token
            int restore = s.restoreSlot >= 0 && !s.restoreSent ? s.restoreSlot : -1;
            s.restoreSent |= restore >= 0;
            restore = forks.firstStep(s, fb, restore);
            int save = s.saveSlot >= 0 && s.numComputed + n == s.saveAt ? s.saveSlot : -1;
            ForwardBatch.Logits logits = last ? ForwardBatch.Logits.LAST : ForwardBatch.Logits.NONE;
            if (s.score != null && ScoringState.scoredRows(s, n) > 0) {
                logits = ForwardBatch.Logits.ALL; // the rows from its first scored position on
                for (int p = Math.max(s.numComputed, s.score.from()); p < s.numComputed + n; p++) {
                    targets.add(ScoringState.targets(s, p));
                }
            }
            fb.add(s.order, s.tokens(), s.numComputed, n, s.numComputed, s.table.snapshot(), s.table.slot(), logits, restore,
                save, s.score == null ? 0 : s.score.from());
            if (last) {
                rows.add(s.samplingRow());
                sampled.add(s);
            }
            s.inFlight = true;
        }
        return new Step(batch, take, sampled, runner.submit(fb.build(), new SamplingBatch(rows, targets)));
    }

    /** Waits for a step and applies it: cache lengths, sampled tokens, finished sequences. */
    private void complete(Step step) {
        List<Sequence> batch = step.batch();
        StepResult result;
        try {
            result = step.result().join();
        } catch (RuntimeException | Error e) {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            LOG.log(Level.WARNING, "engine step failed; failing the requests in it", cause);
            Set<RequestState> hit = new HashSet<>();
            for (Sequence s : batch) {
                s.inFlight = false;
                hit.add(s.request);
            }
            drop(hit);
            updateCounts(); // before the futures complete, so callers see consistent stats()
            for (RequestState r : hit) {
                r.fail(ErrorCode.ENGINE_ERROR, "engine step failed: " + cause);
            }
            return;
        }
        steps.incrementAndGet();
        int scored = 0;
        List<Sequence> scoring = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            int n = step.take().get(i);
            boolean decode = n == 1 && s.sampled > 0 && s.numComputed == s.totalLength() - 1;
            if (!decode) {
                prefillTokens.addAndGet(n);
            }
            if (s.score != null) {
                for (int p = Math.max(s.numComputed, s.score.from()); p < s.numComputed + n; p++) {
                    ((ScoringState<?>) s.request).record(s, p, result.scores()[scored++]);
                }
                scoring.add(s);
            }
            s.numComputed += n;
            s.inFlight = false;
            prefix.computed(s);
            if (s.forkSent) {
                forks.release(s); // its copy of the context's block and state is made
            }
        }
        long now = System.nanoTime();
        for (int i = 0; i < step.sampled().size(); i++) {
            Sequence s = step.sampled().get(i);
            if (!s.request.answered()) { // an aborted request's sequences leave at the next round
                accept(s, result.samples()[i], now);
            }
        }
        for (Sequence s : scoring) {
            if (!s.request.answered()) {
                scored(s);
            }
        }
    }

    /**
     * After a scoring sequence's step: a lead that has computed its context spawns its group's other
     * continuations, each forked from its cache there (or, when memory does not allow it now, queued to
     * compute its context itself); a sequence that has read all its tokens is done.
     */
    private void scored(Sequence s) {
        ScoringState<?> st = (ScoringState<?>) s.request;
        if (s.score.lead() && s.numComputed >= s.score.contextLen() && st.markSpawned(s)) {
            List<Sequence> queued = new ArrayList<>();
            for (Sequence c : st.spawn(s)) {
                if (forks.fork(s, c, running)) {
                    running.add(c); // past maxRunning if need be: short, and its context is paid for
                } else {
                    queued.add(c);
                }
            }
            for (int i = queued.size() - 1; i >= 0; i--) {
                waiting.addFirst(queued.get(i));
            }
        }
        if (s.pending() == 0) {
            running.remove(s);
            release(s);
            runner.release(s.order);
            finish(s);
        }
    }

    private void accept(Sequence s, Sampler.Sample sample, long now) {
        String delta = s.accept(sample, ctx);
        generated.incrementAndGet();
        GenerationState r = (GenerationState) s.request;
        if (r.firstTokenNanos == 0) {
            r.firstTokenNanos = now;
        }
        if (!delta.isEmpty() && r.listener != null) {
            stream(s, delta);
        }
        if (!s.finished() && s.totalLength() >= contextLen) {
            s.finishReason = "length";
        }
        if (s.finished()) {
            running.remove(s);
            release(s);
            runner.release(s.order);
            finish(s);
        }
    }

    private void stream(Sequence s, String delta) {
        try {
            ((GenerationState) s.request).listener.onText(s.choice, delta);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "stream listener threw; ignored", e); // a client's bug must not stop the batch
        }
    }

    private void takeIncoming() {
        for (RequestState r; (r = incoming.poll()) != null; ) {
            for (Sequence s : r.choices) {
                if (s.finished()) {
                    finish(s); // max_tokens 0
                } else {
                    waiting.addLast(s);
                }
            }
        }
    }

    /** Sequences of requests already answered (cancelled, aborted) leave at once, blocks freed. */
    private void dropFinishedRequests() {
        Set<RequestState> gone = new HashSet<>();
        for (Sequence s : running) {
            if (s.request.answered()) {
                gone.add(s.request);
            }
        }
        for (Sequence s : running) {
            if (s.inFlight) {
                gone.remove(s.request); // its blocks are in use by a step in flight: drop it when that returns
            }
        }
        for (Sequence s : waiting) {
            if (s.request.answered()) {
                gone.add(s.request);
            }
        }
        if (!gone.isEmpty()) {
            aborted.addAndGet(gone.size());
            drop(gone);
        }
    }

    /**
     * Moves waiting sequences into the running set while there is room in count, slots and blocks:
     * the blocks to hold a sequence's whole current length, less those it shares from the prefix
     * cache, must be free beyond what the running ones still need for theirs (the oldest is always
     * admitted when nothing runs). A sequence whose next uncached block a running one is computing
     * waits for it (it is passed over, the others keep their order).
     */
    private void admit() {
        int reserved = 0;
        for (Sequence s : running) {
            reserved += cache.blocksNeeded(s.table, s.totalLength());
        }
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext() && running.size() < maxRunning; ) {
            Sequence s = it.next();
            PrefixCache.Hit hit = prefix.lookup(s);
            if (hit.defer() && !running.isEmpty()) {
                continue;
            }
            int fresh = cache.blocksFor(s.totalLength()) - hit.blocks();
            int need = fresh + (hit.blocks() > 0 ? cache.idleAmong(s.hashes, hit.blocks()) : 0);
            if (!running.isEmpty() && need > cache.freeBlocks() - reserved) {
                return;
            }
            KvCacheManager.BlockTable t = new KvCacheManager.BlockTable();
            if (cache.usesSlots() && !cache.takeSlot(t)) {
                return;
            }
            reserved += fresh;
            it.remove();
            s.table = t;
            prefix.admit(s, hit, s.score == null && s.choice == 0 && s.request.choices.size() > 1);
            running.add(s);
        }
    }

    /**
     * Decode tokens first, then prefill chunks, within the token budget; then blocks for every
     * scheduled chunk, oldest sequence first, preempting the newest while they run short.
     */
    private void plan(List<Sequence> batch, List<Integer> takes, int maxSeqs) {
        int budget = maxBatchTokens;
        int logitRows = maxLogitRows; // sampled rows first (decodes come first), then scored ones
        boolean scored = false;       // one scored row a step at least, so scoring never starves
        int chosen = 0;
        int[] take = new int[running.size()];
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < running.size() && budget > 0 && chosen < maxSeqs; i++) {
                Sequence s = running.get(i);
                boolean decode = s.pending() == 1;
                if ((pass == 0) != decode || take[i] > 0 || s.inFlight || s.pending() == 0 || ContextForks.waits(s)) {
                    continue;
                }
                take[i] = Math.min(s.pending(), budget);
                if (s.score != null) {
                    take[i] = scoreChunk(s, take[i], scored ? Math.max(0, logitRows) : Math.max(1, logitRows));
                    if (take[i] == 0) {
                        continue;
                    }
                    int rows = ScoringState.scoredRows(s, take[i]);
                    logitRows -= rows;
                    scored |= rows > 0;
                } else if (take[i] == s.pending()) {
                    logitRows--; // it samples from its last row
                }
                budget -= take[i];
                chosen++;
            }
        }
        List<Integer> scheduled = new ArrayList<>(); // indices into running, oldest sequence first
        for (int i = 0; i < running.size(); i++) {
            if (take[i] > 0) {
                scheduled.add(i);
            }
        }
        scheduled.sort((a, b) -> Long.compare(running.get(a).order, running.get(b).order));
        List<Sequence> seqs = new ArrayList<>();
        for (int i : scheduled) {
            seqs.add(running.get(i));
        }
        for (int j = 0; j < seqs.size(); j++) {
            Sequence s = seqs.get(j);
            int amount = take[scheduled.get(j)];
            if (s.saveSlot >= 0 && s.numComputed < s.saveAt) {
                amount = Math.min(amount, s.saveAt - s.numComputed); // the chunk ends where the snapshot is taken
            }
            if (cache.usesSlots() && s.score != null && ((ScoringState<?>) s.request).spawns(s)) {
                amount = Math.min(amount, s.score.contextLen() - s.numComputed); // forks copy the state at the context's end
            }
            int tokens = s.numComputed + amount;
            while (running.contains(s) && !cache.canGrow(s.table, tokens)) {
                preempt(newestIdle());
            }
            if (running.contains(s)) {
                cache.grow(s.table, tokens);
                batch.add(s);
                takes.add(amount);
            }
        }
    }

    /**
     * A scoring sequence's chunk of at most n tokens holding at most rowsLeft scored rows (a step's logits
     * are fp32 [rows, V] on the device, within the activation reserve); 0 when none fit.
     */
    private static int scoreChunk(Sequence s, int n, int rowsLeft) {
        int unscored = Math.max(0, s.score.from() - s.numComputed);
        return ScoringState.scoredRows(s, n) <= rowsLeft ? n : Math.min(n, unscored + rowsLeft);
    }

    /** The newest running sequence not in flight (the one asking for blocks qualifies, so there is one). */
    private Sequence newestIdle() {
        Sequence newest = null;
        for (Sequence s : running) {
            if (!s.inFlight && (newest == null || s.order > newest.order)) {
                newest = s;
            }
        }
        return newest;
    }

    private void preempt(Sequence s) {
        running.remove(s);
        release(s);
        s.preemptions++;
        preemptions.incrementAndGet();
        waiting.addFirst(s);
    }

    private void finish(Sequence s) {
        RequestState r = s.request;
        if (r.choiceDone() && !r.answered()) {
            updateCounts(); // so a caller woken by the future already sees this request gone from stats()
            finishedRequests.incrementAndGet();
            try {
                r.complete();
            } catch (RuntimeException e) {
                r.fail(ErrorCode.ENGINE_ERROR, "assembling the result failed: " + e);
            }
        }
    }

    /** Removes every sequence of the given requests (all their choices) from the running set and the queue. */
    private void drop(Set<RequestState> requests) {
        running.removeIf(s -> {
            if (requests.contains(s.request)) {
                release(s);
                runner.release(s.order);
                return true;
            }
            return false;
        });
        waiting.removeIf(s -> {
            if (requests.contains(s.request)) {
                runner.release(s.order);
                return true;
            }
            return false;
        });
    }

    /** Gives a sequence's blocks, slot, fork holds and prefix-cache claims back. */
    private void release(Sequence s) {
        forks.release(s);
        prefix.release(s);
        s.freeCache(cache);
    }

    private void updateCounts() {
        runningCount = running.size();
        waitingCount = waiting.size() + incoming.size();
        usedBlocks = cache.usedBlocks();
    }

    /** Sequences holding cache now (tests: scheduler thread or no thread). */
    List<Sequence> running() {
        return running;
    }

    Deque<Sequence> waiting() {
        return waiting;
    }
}
