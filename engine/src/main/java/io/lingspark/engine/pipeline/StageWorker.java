package io.lingspark.engine.pipeline;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.IntermediateTensors;
import io.lingspark.engine.model.ModelSlice;
import io.lingspark.engine.runtime.BatchSampler;
import io.lingspark.engine.runtime.LocalModelRunner;
import io.lingspark.engine.runtime.SamplingBatch;
import io.lingspark.engine.runtime.StepResult;
import io.lingspark.engine.step.ForwardBatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One pipeline stage in this JVM: a model slice (a layer range, plus the embedding on the first stage
 * and the head on the last) on its own backend, with the cache of its own layers only, run by its
 * own thread so that stages work on different micro-batches at once. Hidden states pass between
 * stages as fp32 rows [T, H] on the host (the residual stream is fp32 on every backend, so a pipeline
 * computes exactly what one engine computes).
 */
final class StageWorker implements AutoCloseable {
    final int index;
    final CausalLm model;
    final Backend be;
    CachePool pool;                       // allocated once the pipeline's joint plan is known
    final ModelSlice slice;
    private final BatchSampler sampler;   // the last stage samples
    final ExecutorService thread;
    private volatile long busyNanos;

    StageWorker(int index, CausalLm model, int samplingThreads) {
        this.index = index;
        this.model = model;
        this.be = model.backend();
        this.slice = model.slice();
        this.sampler = slice.head() ? new BatchSampler(samplingThreads) : null;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lingspark-stage-" + index);
            t.setDaemon(true);
            return t;
        });
    }

    /** Allocates this stage's cache (every stage holds the same block ids); kept when the sizes are unchanged. */
    synchronized void allocate(int blocks, int blockSize, int slots) {
        int wantSlots = model.cacheSpec(blockSize).hasState() ? slots : 0;
        if (pool != null && pool.blocks() == blocks && pool.slots() == wantSlots) {
            return;
        }
        if (pool != null) {
            pool.close();
        }
        pool = be.allocateCache(model.cacheSpec(blockSize), blocks, wantSlots);
    }

    /** What a stage hands on: hidden rows for the next stage, or the last stage's logits on the host, or samples. */
    record Output(float[] hidden, float[] logits, StepResult samples) {
    }

    /**
     * This stage's layers over a step: from the token ids (first stage) or from the previous stage's
     * hidden rows. The last stage then computes logits and either samples (sampling != null) or returns
     * them on the host.
     */
    Output run(ForwardBatch batch, float[] hiddenIn, SamplingBatch sampling, int[][] routing) {
        long t0 = System.nanoTime();
        LocalModelRunner.copyBlocks(pool, batch); // every stage copies its own layers' rows
        be.beginStep(batch);
        try {
            IntermediateTensors h = slice.embedding() ? model.embed(batch)
                : new IntermediateTensors(be.fromHost(hiddenIn, batch.rows(), model.config().hiddenSize));
            model.layers(batch, pool, h, slice.firstLayer(), slice.lastLayer(), routing);
            if (!slice.head()) {
                be.endStep();
                return new Output(be.toHost(h.hidden()), null, null);
            }
            if (sampling == null) {
                int[] rows = batch.logitRows();
                Tensor logits = rows.length > 0 ? model.logits(h, rows) : null;
                be.endStep();
                return new Output(null, logits == null ? new float[0] : be.toHost(logits), null);
            }
            int[] sampleRows = batch.sampleRows();
            int[] scoreRows = batch.scoreRows();
            Tensor sampleLogits = sampleRows.length > 0 ? model.logits(h, sampleRows) : null;
            Tensor scoreLogits = scoreRows.length > 0 ? model.logits(h, scoreRows) : null;
            be.endStep();
            return new Output(null, null, LocalModelRunner.finish(be, sampler, sampleLogits, scoreLogits,
                model.config().vocabSize, sampling));
        } catch (RuntimeException | Error e) {
            be.abortStep();
            throw e;
        } finally {
            busyNanos += System.nanoTime() - t0;
        }
    }

    /** Nanoseconds this stage spent computing so far (its busy share, against wall time). */
    long busyNanos() {
        return busyNanos;
    }

    void resetBusy() {
        busyNanos = 0;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        if (sampler != null) {
            sampler.close();
        }
        if (pool != null) {
            pool.close();
        }
        model.close();
    }
}
