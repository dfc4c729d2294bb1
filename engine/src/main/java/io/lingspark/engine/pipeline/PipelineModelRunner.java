package io.lingspark.engine.pipeline;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.runtime.MemoryPlan;
import io.lingspark.engine.runtime.ModelRunner;
import io.lingspark.engine.runtime.SamplingBatch;
import io.lingspark.engine.runtime.StepResult;
import io.lingspark.engine.step.ForwardBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A model split into stages, run as one ModelRunner: each step passes stage 0 (embedding + its
 * layers) → stage 1 → ... → the last stage (its layers, the head, token choice), each on its own
 * thread and backend, so up to S steps (micro-batches of disjoint sequences, GPipe style) are in
 * flight: while the last stage works on one, the first already computes the next. Only token ids
 * come back from the last stage. Every stage holds the same number of cache blocks (the smallest
 * stage's capacity) with the same block ids, so the scheduler's one cache manager serves them all.
 */
public final class PipelineModelRunner implements ModelRunner {
    private final LingConfig config;
    private final List<StageWorker> stages;
    private final MemoryPlan plan;
    private final long started = System.nanoTime();

    PipelineModelRunner(LingConfig config, List<StageWorker> stages, MemoryPlan plan) {
        this.config = config;
        this.stages = List.copyOf(stages);
        this.plan = plan;
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
        return stages.size();
    }

    @Override
    public int maxInFlight() {
        return stages.size();
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
        return join(chain(batch, null, routing)).logits();
    }

    /** The step through every stage, each on its own thread (FIFO per stage keeps the micro-batches in order). */
    private CompletableFuture<StageWorker.Output> chain(ForwardBatch batch, SamplingBatch sampling, int[][] routing) {
        StageWorker first = stages.get(0);
        CompletableFuture<StageWorker.Output> f = CompletableFuture.supplyAsync(
            () -> first.run(batch, null, sampling, routing), first.thread);
        for (StageWorker s : stages.subList(1, stages.size())) {
            f = f.thenApplyAsync(out -> s.run(batch, out.hidden(), sampling, routing), s.thread);
        }
        return f;
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
        for (StageWorker s : stages) {
            if (s.pool.slots() > 0) {
                s.pool.resetState(slot);
            }
        }
    }

    @Override
    public float[] state(int slot, int layer) {
        for (StageWorker s : stages) {
            if (s.slice.holds(layer)) {
                return s.pool.state(slot, layer - s.slice.firstLayer());
            }
        }
        throw new IllegalArgumentException("no stage holds layer " + layer);
    }

    /** Each stage's share of wall time spent computing since the runner started. */
    public double[] busyFractions() {
        double wall = System.nanoTime() - started;
        double[] out = new double[stages.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = stages.get(i).busyNanos() / wall;
        }
        return out;
    }

    @Override
    public void close() {
        for (StageWorker s : stages) {
            s.close();
        }
    }
}
