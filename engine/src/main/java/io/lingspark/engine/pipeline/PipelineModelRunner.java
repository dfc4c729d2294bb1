package io.lingspark.engine.pipeline;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.runtime.MemoryPlan;
import io.lingspark.engine.runtime.ModelRunner;
import io.lingspark.engine.runtime.SamplingBatch;
import io.lingspark.engine.runtime.StepResult;
import io.lingspark.engine.step.ForwardBatch;
import io.lingspark.engine.transport.TransportException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A model split into stages, run as one ModelRunner: each step passes stage 0 (embedding + its
 * layers) → stage 1 → ... → the last stage (its layers, the head, token choice), each on its own
 * thread and backend, so up to S steps (micro-batches of disjoint sequences, GPipe style) are in
 * flight: while the last stage works on one, the first already computes the next. Stages after
 * this process's own ones run in other processes ({@link RemoteTail}, over TCP); only token ids come
 * back from the last stage. Every stage holds the same number of cache blocks (the smallest stage's
 * capacity) with the same block ids, so the scheduler's one cache manager serves them all.
 */
public final class PipelineModelRunner implements ModelRunner {
    private final LingConfig config;
    private final StageGroup local;
    private final RemoteTail remote;     // null: every stage is in this process
    private final MemoryPlan plan;
    private final int stages;
    private final boolean ownsLocal;     // an executor keeps its stages loaded across jobs
    private volatile long started = System.nanoTime();
    private java.util.List<StageGroup> peersHere = java.util.List.of(); // other ranks' stages in this JVM (loopback)

    PipelineModelRunner(LingConfig config, StageGroup local, RemoteTail remote, MemoryPlan plan, int stages,
                        boolean ownsLocal) {
        this.config = config;
        this.local = local;
        this.remote = remote;
        this.plan = plan;
        this.stages = stages;
        this.ownsLocal = ownsLocal;
    }

    @Override
    public LingConfig config() {
        return config;
    }

    @Override
    public MemoryPlan plan() {
        return plan;
    }

    public int stages() {
        return stages;
    }

    @Override
    public int maxInFlight() {
        return stages;
    }

    @Override
    public CompletableFuture<StepResult> submit(ForwardBatch batch, SamplingBatch sampling) {
        return chain(batch, sampling, null).thenApply(StageWorker.Output::samples);
    }

    @Override
    public StepResult execute(ForwardBatch batch, SamplingBatch sampling) {
        return join(submit(batch, sampling));
    }

    @Override
    public float[] forwardLogits(ForwardBatch batch, int[][] routing) {
        if (remote != null && routing != null) {
            throw new UnsupportedOperationException("routing is recorded only when every stage is in this process");
        }
        return join(chain(batch, null, routing)).logits();
    }

    /** The step through this process's stages, then through the other processes' when there are any. */
    private CompletableFuture<StageWorker.Output> chain(ForwardBatch batch, SamplingBatch sampling, int[][] routing) {
        if (remote == null) {
            return local.run(batch, null, sampling, routing);
        }
        // the send runs on the last local stage's thread, so steps leave in the order they were submitted
        return local.run(batch, null, null, routing).thenCompose(out -> remote.send(batch, out.hidden(), sampling));
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    @Override
    public void resetState(int slot) {
        local.resetState(slot);
        if (remote != null) {
            remote.resetState(slot);
        }
    }

    @Override
    public void release(long seqId) {
        if (remote != null) {
            remote.release(seqId);
        }
    }

    @Override
    public float[] state(int slot, int layer) {
        float[] s = local.state(slot, layer);
        if (s == null) {
            throw new IllegalArgumentException("no stage in this process holds layer " + layer);
        }
        return s;
    }

    /** The link to the other processes' stages failed (null: healthy, or none). */
    public TransportException linkFailure() {
        return remote == null ? null : remote.failure();
    }

    /** Bytes this process sent to the next rank (0 in-process). */
    public long bytesSent() {
        return remote == null ? 0 : remote.bytesSent();
    }

    public long stepsSent() {
        return remote == null ? 0 : remote.framesSent();
    }

    /** Nanoseconds rank 0 spent encoding, sending and decoding frames. */
    public long transportNanos() {
        return remote == null ? 0 : remote.transportNanos();
    }

    /** The other ranks' stages when they live in this JVM too (loopback TCP): their busy time is readable. */
    void observe(java.util.List<StageGroup> peers) {
        peersHere = java.util.List.copyOf(peers);
    }

    /** Starts the busy-time count afresh (a benchmark's timed phase). */
    public void resetBusy() {
        local.resetBusy();
        peersHere.forEach(StageGroup::resetBusy);
        started = System.nanoTime();
    }

    /**
     * Each stage's share of wall time spent computing since the runner started (or resetBusy): this
     * process's stages, then those of other ranks in this JVM (loopback), in stage order.
     */
    public double[] busyFractions() {
        double wall = System.nanoTime() - started;
        double[] out = local.busyNanos();
        for (StageGroup g : peersHere) {
            double[] more = g.busyNanos();
            double[] all = java.util.Arrays.copyOf(out, out.length + more.length);
            System.arraycopy(more, 0, all, out.length, more.length);
            out = all;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= wall;
        }
        return out;
    }

    @Override
    public void close() {
        if (remote != null) {
            remote.close();
        }
        if (ownsLocal) {
            local.close();
        }
    }
}
