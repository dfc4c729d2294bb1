package io.lingspark.engine.runtime;

import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Host token choice for a whole step: one pass over the step's logits [R, V], rows split over a
 * dedicated pool, each thread with its own reusable vocabulary-sized {@link Sampler.Scratch}. Rows are
 * independent and every draw is counter-based, so the result does not depend on the split. Scored rows
 * ({@link #score}) are split over the same pool.
 */
public final class BatchSampler implements AutoCloseable {
    private final ForkJoinPool pool;
    private final ThreadLocal<Sampler.Scratch> scratch = ThreadLocal.withInitial(Sampler.Scratch::new);

    public BatchSampler(int threads) {
        this.pool = new ForkJoinPool(Math.max(1, threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads));
    }

    /** Samples row i of logits (row-major [R, v]) for sampling row i. */
    public Sampler.Sample[] sample(float[] logits, int v, SamplingBatch batch) {
        List<Sampler.Row> rows = batch.rows();
        Sampler.Sample[] out = new Sampler.Sample[rows.size()];
        if (rows.size() <= 1 || pool.getParallelism() == 1) {
            for (int i = 0; i < rows.size(); i++) {
                out[i] = Sampler.sample(logits, i * v, v, rows.get(i), scratch.get());
            }
            return out;
        }
        pool.invoke(new Split(0, rows.size(), logits, v, rows, out));
        return out;
    }

    /** Scores row i of logits (row-major [R, v]) against targets.get(i): rows split over the pool like sampling. */
    public StepResult.Score[] score(float[] logits, int v, List<int[]> targets) {
        StepResult.Score[] out = new StepResult.Score[targets.size()];
        if (targets.size() <= 1 || pool.getParallelism() == 1) {
            for (int i = 0; i < out.length; i++) {
                out[i] = LogSoftmax.score(logits, i * v, v, targets.get(i));
            }
            return out;
        }
        pool.invoke(new ScoreSplit(0, out.length, logits, v, targets, out));
        return out;
    }

    private static final class ScoreSplit extends RecursiveAction {
        private final int lo;
        private final int hi;
        private final float[] logits;
        private final int v;
        private final List<int[]> targets;
        private final StepResult.Score[] out;

        ScoreSplit(int lo, int hi, float[] logits, int v, List<int[]> targets, StepResult.Score[] out) {
            this.lo = lo;
            this.hi = hi;
            this.logits = logits;
            this.v = v;
            this.targets = targets;
            this.out = out;
        }

        @Override
        protected void compute() {
            if (hi - lo <= 4) {
                for (int i = lo; i < hi; i++) {
                    out[i] = LogSoftmax.score(logits, i * v, v, targets.get(i));
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new ScoreSplit(lo, mid, logits, v, targets, out), new ScoreSplit(mid, hi, logits, v, targets, out));
        }
    }

    private final class Split extends RecursiveAction {
        private final int lo;
        private final int hi;
        private final float[] logits;
        private final int v;
        private final List<Sampler.Row> rows;
        private final Sampler.Sample[] out;

        Split(int lo, int hi, float[] logits, int v, List<Sampler.Row> rows, Sampler.Sample[] out) {
            this.lo = lo;
            this.hi = hi;
            this.logits = logits;
            this.v = v;
            this.rows = rows;
            this.out = out;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                out[lo] = Sampler.sample(logits, lo * v, v, rows.get(lo), scratch.get());
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Split(lo, mid, logits, v, rows, out), new Split(mid, hi, logits, v, rows, out));
        }
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
