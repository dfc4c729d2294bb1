package io.lingspark.engine.runtime;

import io.lingspark.engine.model.CacheFootprint;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.SeqInput;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Continuous batching on one thread. Every step fills a token budget: first one token for every
 * decoding sequence, then prefill chunks of sequences still reading their prompt (chunked prefill), for
 * at most maxRunning sequences that hold a cache. Finished sequences free their cache at once and
 * waiting ones join at the next step.
 *
 * <p>KV memory is checked before each step against a byte budget, projecting every cache to the length
 * it will have after the step. Over budget, the newest running sequence is preempted: its cache is
 * dropped and it goes back to the head of the queue, to recompute prompt and generated tokens later.
 * The oldest sequence always runs, so the budget delays requests but never fails them.
 *
 * <p>An exception inside a step fails the requests that had a sequence in that step (ENGINE_ERROR) and
 * the loop goes on.
 */
final class Scheduler implements Runnable {
    private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());

    private final CausalLm model;
    private final Sequence.RuntimeContext ctx;
    private final int maxBatchTokens;
    private final int maxRunning;
    private final long kvBudget;
    private final CacheFootprint footprint;
    private final int contextLen;
    private final ConcurrentLinkedQueue<RequestState> incoming = new ConcurrentLinkedQueue<>();
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private volatile boolean closed;
    private volatile Thread thread;
    private long nextOrder;

    final AtomicLong steps = new AtomicLong();
    final AtomicLong generated = new AtomicLong();
    final AtomicLong finishedRequests = new AtomicLong();
    final AtomicLong preemptions = new AtomicLong();
    volatile int runningCount;
    volatile int waitingCount;

    /**
     * @param kvBudget        bytes all caches together may hold (soft: the oldest sequence always runs)
     * @param footprint       growing and fixed cache bytes, to project a cache's size before a step writes it
     * @param contextLen      a sequence that reaches it ends with "length"
     */
    Scheduler(CausalLm model, Sequence.RuntimeContext ctx, int maxBatchTokens, int maxRunning, long kvBudget,
              CacheFootprint footprint, int contextLen) {
        this.contextLen = contextLen;
        this.model = model;
        this.ctx = ctx;
        this.maxBatchTokens = Math.max(1, maxBatchTokens);
        this.maxRunning = Math.max(1, maxRunning);
        this.kvBudget = kvBudget;
        this.footprint = footprint;
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
        LockSupport.unpark(thread);
        if (closed) {
            drainCancelled();
        }
    }

    @Override
    public void run() {
        while (!closed) {
            takeIncoming();
            if (running.isEmpty() && waiting.isEmpty()) {
                LockSupport.parkNanos(this, 50_000_000L);
                continue;
            }
            step();
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
            s.freeCache();
            s.request.fail(ErrorCode.CANCELLED, "the engine was closed");
        }
        for (Sequence s : waiting) {
            s.request.fail(ErrorCode.CANCELLED, "the engine was closed");
        }
        running.clear();
        waiting.clear();
        updateCounts();
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

    private void step() {
        admit();
        List<Sequence> batch = new ArrayList<>();
        List<SeqInput> inputs = new ArrayList<>();
        plan(batch, inputs);
        if (batch.isEmpty()) {
            return;
        }
        try {
            float[][] logits = model.forward(inputs).logits();
            steps.incrementAndGet();
            long now = System.nanoTime();
            for (int i = 0; i < batch.size(); i++) {
                Sequence s = batch.get(i);
                if (s.pending() > 0) {
                    continue; // a prefill chunk that has not reached the end of the prompt yet
                }
                String delta = s.accept(s.sampler.sample(logits[i]), ctx);
                generated.incrementAndGet();
                if (s.request.firstTokenNanos == 0) {
                    s.request.firstTokenNanos = now;
                }
                if (!delta.isEmpty() && s.request.listener != null) {
                    stream(s, delta);
                }
                if (!s.finished() && s.totalLength() >= contextLen) {
                    s.finishReason = "length";
                }
                if (s.finished()) {
                    running.remove(s);
                    s.freeCache();
                    finish(s);
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, "engine step failed; failing the requests in it", e);
            Set<RequestState> hit = new HashSet<>();
            for (Sequence s : batch) {
                hit.add(s.request);
            }
            drop(hit);
            updateCounts(); // before the futures complete, so callers see consistent stats()
            for (RequestState r : hit) {
                r.fail(ErrorCode.ENGINE_ERROR, "engine step failed: " + e);
            }
        }
        updateCounts();
    }

    private void stream(Sequence s, String delta) {
        try {
            s.request.listener.onText(s.choice, delta);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "stream listener threw; ignored", e); // a client's bug must not stop the batch
        }
    }

    /** Moves waiting sequences into the running set while there is room in count and KV memory. */
    private void admit() {
        while (!waiting.isEmpty() && running.size() < maxRunning) {
            Sequence s = waiting.peekFirst();
            if (!running.isEmpty() && kvUsed() + projected(s.totalLength()) > kvBudget) {
                return;
            }
            waiting.pollFirst();
            s.cache = model.newCache();
            running.add(s);
        }
    }

    /** Decode tokens first, then prefill chunks, within the token budget; preempts when KV runs short. */
    private void plan(List<Sequence> batch, List<SeqInput> inputs) {
        int budget = maxBatchTokens;
        int[] take = new int[running.size()];
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < running.size() && budget > 0; i++) {
                Sequence s = running.get(i);
                boolean decode = s.pending() == 1;
                if ((pass == 0) != decode || take[i] > 0) {
                    continue;
                }
                take[i] = Math.min(s.pending(), budget);
                budget -= take[i];
            }
        }
        // Project the caches to their size after this step; drop the newest sequences while over budget.
        while (running.size() > 1 && projectedAll(take) > kvBudget) {
            int newest = 0;
            for (int i = 1; i < running.size(); i++) {
                if (running.get(i).order > running.get(newest).order) {
                    newest = i;
                }
            }
            preempt(running.get(newest));
            take = remove(take, newest);
        }
        for (int i = 0; i < running.size(); i++) {
            if (take[i] > 0) {
                Sequence s = running.get(i);
                batch.add(s);
                inputs.add(new SeqInput(s.cache, s.nextInput(take[i])));
            }
        }
    }

    private void preempt(Sequence s) {
        running.remove(s);
        s.freeCache();
        s.preemptions++;
        preemptions.incrementAndGet();
        waiting.addFirst(s);
    }

    private long projectedAll(int[] take) {
        long sum = 0;
        for (int i = 0; i < running.size(); i++) {
            Sequence s = running.get(i);
            sum += Math.max(s.cache.bytes(), projected(s.cache.length() + take[i]));
        }
        return sum;
    }

    private long projected(int tokens) {
        return footprint.bytes(tokens);
    }

    private long kvUsed() {
        long sum = 0;
        for (Sequence s : running) {
            sum += s.cache.bytes();
        }
        return sum;
    }

    private static int[] remove(int[] a, int i) {
        int[] out = new int[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }

    private void finish(Sequence s) {
        RequestState r = s.request;
        if (r.choiceDone() && !r.failed()) {
            updateCounts(); // so a caller woken by the future already sees this request gone from stats()
            finishedRequests.incrementAndGet();
            try {
                r.future.complete(r.result());
            } catch (RuntimeException e) {
                r.fail(ErrorCode.ENGINE_ERROR, "assembling the result failed: " + e);
            }
        }
    }

    /** Removes every sequence of the given requests (all their choices) from the running set and the queue. */
    private void drop(Set<RequestState> requests) {
        running.removeIf(s -> {
            if (requests.contains(s.request)) {
                s.freeCache();
                return true;
            }
            return false;
        });
        waiting.removeIf(s -> requests.contains(s.request));
    }

    private void updateCounts() {
        runningCount = running.size();
        waitingCount = waiting.size() + incoming.size();
    }
}
