package io.lingspark.jobs.generate;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.jobs.input.Canonical;
import io.lingspark.jobs.progress.JobMetrics;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Row;

/**
 * The generation stage: canonical request rows in, output rows out, streaming. A task keeps up to
 * maxInFlight requests submitted to the executor's shared engine (so the engine's continuous batch
 * holds work from every task), and emits results in input order as the oldest completes. Only that
 * window is ever held, never the partition's results. Rows arrive sorted by id; a row with the id
 * of the row before it is folded into that one (counted, not generated), so each id is generated
 * once. Request problems become error rows; only infrastructure failures (the engine cannot load)
 * fail the task, which Spark then retries. A task that fails or is killed aborts its requests in the
 * engine, so they stop generating at the next step and give their cache back.
 */
public final class PartitionGenerator implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final int FIXED = 6; // canonical columns before the kept ones

    private final JobSettings settings;
    private final JobMetrics metrics;
    private final RowWork work;

    /** The generate job's stage. */
    public PartitionGenerator(JobSettings settings, JobMetrics metrics) {
        this(settings, metrics, new GenerateWork(settings));
    }

    /** Another job's stage: the same streaming, folding and failure handling around its own row work. */
    public PartitionGenerator(JobSettings settings, JobMetrics metrics, RowWork work) {
        this.settings = settings;
        this.metrics = metrics;
        this.work = work;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        TaskContext tc = TaskContext.get();
        if (!input.hasNext()) {
            return java.util.Collections.emptyIterator(); // an empty partition never loads a model
        }
        Engine engine = EngineHolder.get(engineOptions(settings, device(tc, settings.device())));
        int attempt = tc == null ? 0 : tc.attemptNumber();
        boolean failHook = settings.failFirstAttemptAfter() >= 0 && tc != null && attempt == 0
            && tc.partitionId() % 2 == 0;
        return stream(input, engine, attempt, failHook);
    }

    /** The output rows of the input rows through an engine, streaming (also a pipeline's first rank). */
    public Iterator<Row> stream(Iterator<Row> input, Engine engine, int attempt, boolean failHook) {
        TaskContext tc = TaskContext.get();
        Stream s = new Stream(input, work.open(engine, attempt), failHook);
        if (tc != null) {
            // A failed or killed task leaves requests in the shared engine; drop their futures.
            tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> s.cancelPending());
        }
        return s;
    }

    /** The engine options of a task on the given device (the engine holder's key). */
    static EngineOptions engineOptions(JobSettings settings, String device) {
        return settings.engine().options(Path.of(settings.modelDir()), device);
    }

    /**
     * The device for this task: the GPU Spark assigned to it when there is one (cluster managers
     * with GPU scheduling), as this process's CUDA ordinal ({@link GpuAddresses}), else the --device
     * value (local mode has no task GPU scheduling).
     */
    public static String device(TaskContext tc, String asked) {
        if (tc != null && ("auto".equals(asked) || "cuda".equals(asked))) {
            ResourceInformation gpu = tc.resourcesJMap().get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                // Spark's address names the GPU as the machine does; CUDA in this process numbers it its own way
                return "cuda:" + GpuAddresses.ordinal(gpu.addresses()[0]);
            }
        }
        return asked;
    }

    /** A submitted row. */
    private record Pending(String id, Object[] kept, RowWork.Item item) {
    }

    private final class Stream implements Iterator<Row> {
        private final Iterator<Row> input;
        private final RowWork.Task task;
        private final boolean failHook;
        private final ArrayDeque<Pending> window = new ArrayDeque<>();
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private int emittedRequests;
        /** What this task's tokensInFlight holds now (the accumulator only adds: it gets differences). */
        private long reportedInFlight;
        private String lastId;

        Stream(Iterator<Row> input, RowWork.Task task, boolean failHook) {
            this.input = input;
            this.task = task;
            this.failHook = failHook;
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty()) {
                fill();
                Pending p = window.poll();
                if (p == null) {
                    return false;
                }
                if (failHook && emittedRequests == settings.failFirstAttemptAfter()) {
                    throw new IllegalStateException("lingspark test hook: failing the first attempt of partition "
                        + TaskContext.getPartitionId() + " after " + emittedRequests + " requests");
                }
                await(p);
                p.item().count(metrics);
                reportInFlight(null);
                ready.addAll(p.item().rows(p.kept()));
                emittedRequests++;
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        /**
         * Waits for a result (never exceptional: errors are in the result) while honouring task kills:
         * a killed task (job cancelled, a speculative copy lost) must not sit on a long generation.
         */
        private void await(Pending p) {
            CompletableFuture<?> f = p.item().done();
            TaskContext tc = TaskContext.get();
            while (true) {
                try {
                    f.get(500, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    reportInFlight(p);
                    if (tc != null) {
                        tc.killTaskIfInterrupted(); // throws TaskKilledException; the listener cancels the window
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("generation task interrupted", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("the engine failed a request future", e.getCause());
                }
            }
        }

        /** Sets this task's tokensInFlight to the pieces its rows in flight (the window and waiting) streamed. */
        private void reportInFlight(Pending waiting) {
            long n = waiting == null ? 0 : waiting.item().streamed();
            for (Pending q : window) {
                n += q.item().streamed();
            }
            if (n != reportedInFlight) {
                metrics.tokensInFlight.add(n - reportedInFlight);
                reportedInFlight = n;
            }
        }

        private void fill() {
            while (window.size() < settings.maxInFlight() && input.hasNext()) {
                Row in = input.next();
                String id = in.getString(0);
                if (id.equals(lastId)) {
                    metrics.folded.add(1L);
                    continue;
                }
                lastId = id;
                Object[] kept = new Object[settings.keptColumns()];
                for (int i = 0; i < kept.length; i++) {
                    kept[i] = in.get(FIXED + i);
                }
                window.add(new Pending(id, kept, task.submit(id, in)));
            }
        }

        /** A failed or killed task: its requests leave the shared engine's batch at the next step, blocks freed. */
        void cancelPending() {
            for (Pending p : window) {
                p.item().abort();
            }
            window.clear();
        }
    }
}
