package io.lingspark.engine.pipeline;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.runtime.MemoryPlan;
import io.lingspark.engine.runtime.SamplingBatch;
import io.lingspark.engine.step.ForwardBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The consecutive stages one process holds (all of them for an in-process pipeline; stages
 * rK .. rK+K−1 for rank r of a pipeline across executors), each on its own thread and backend. A
 * step passes through them in order; the FIFO thread of each stage keeps micro-batches in order.
 */
public final class StageGroup implements AutoCloseable {
    final LingConfig config;
    final List<StageWorker> workers;
    final List<MemoryPlan> plans; // what each stage's device can hold, before the joint plan

    StageGroup(LingConfig config, List<StageWorker> workers, List<MemoryPlan> plans) {
        this.config = config;
        this.workers = List.copyOf(workers);
        this.plans = List.copyOf(plans);
    }

    public int size() {
        return workers.size();
    }

    boolean hasEmbedding() {
        return workers.get(0).slice.embedding();
    }

    boolean hasHead() {
        return workers.get(workers.size() - 1).slice.head();
    }

    /** Allocates every stage's cache for the pipeline's joint plan. */
    void allocate(MemoryPlan joint) {
        for (StageWorker w : workers) {
            w.allocate(joint.kvBlocks(), joint.blockSize(), joint.slots());
        }
    }

    /** The step through these stages, from token ids (stage 0 here) or the hidden rows another process sent. */
    CompletableFuture<StageWorker.Output> run(ForwardBatch batch, float[] hiddenIn, SamplingBatch sampling, int[][] routing) {
        StageWorker first = workers.get(0);
        CompletableFuture<StageWorker.Output> f = CompletableFuture.supplyAsync(
            () -> first.run(batch, hiddenIn, sampling, routing), first.thread);
        for (StageWorker s : workers.subList(1, workers.size())) {
            f = f.thenApplyAsync(out -> s.run(batch, out.hidden(), sampling, routing), s.thread);
        }
        return f;
    }

    void resetState(int slot) {
        for (StageWorker s : workers) {
            if (s.pool != null && s.pool.slots() > 0) {
                s.pool.resetState(slot);
            }
        }
    }

    /** The recurrent state of a global layer, or null when no stage here holds it. */
    float[] state(int slot, int layer) {
        for (StageWorker s : workers) {
            if (s.slice.holds(layer)) {
                return s.pool.state(slot, layer - s.slice.firstLayer());
            }
        }
        return null;
    }

    double[] busyNanos() {
        double[] out = new double[workers.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = workers.get(i).busyNanos();
        }
        return out;
    }

    void resetBusy() {
        workers.forEach(StageWorker::resetBusy);
    }

    @Override
    public void close() {
        workers.forEach(StageWorker::close);
    }
}
