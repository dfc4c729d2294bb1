package io.lingspark.jobs.generate;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.jobs.input.Canonical;
import io.lingspark.jobs.input.RequestParser;
import io.lingspark.jobs.output.ResultRows;
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

    public PartitionGenerator(JobSettings settings, JobMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
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
        ResultRows rows = new ResultRows(engine.modelName(), engine.modelRevision(), settings.runId(), attempt,
            settings.parsed());
        Stream s = new Stream(input, engine, rows, failHook);
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

    /** A submitted row: request is null for a row that failed to parse (its result is already there). */
    private record Pending(String id, Object[] kept, GenerationRequest request, CompletableFuture<GenerationResult> result) {
    }

    private final class Stream implements Iterator<Row> {
        private final Iterator<Row> input;
        private final Engine engine;
        private final ResultRows rows;
        private final boolean failHook;
        private final ArrayDeque<Pending> window = new ArrayDeque<>();
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private int emittedRequests;
        private String lastId;

        Stream(Iterator<Row> input, Engine engine, ResultRows rows, boolean failHook) {
            this.input = input;
            this.engine = engine;
            this.rows = rows;
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
                GenerationResult r = await(p.result());
                count(r);
                ready.addAll(rows.rows(p.id(), r, p.kept(),
                    p.request() == null ? null : p.request().params().structuredOutput()));
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
        private GenerationResult await(CompletableFuture<GenerationResult> f) {
            TaskContext tc = TaskContext.get();
            while (true) {
                try {
                    return f.get(500, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
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
                RequestParser.Parsed parsed = settings.parser().parse(id, in.getString(1), in.getString(2),
                    in.getString(3), in.getString(4), in.getString(5));
                CompletableFuture<GenerationResult> f = parsed.request() != null
                    ? submit(parsed)
                    : CompletableFuture.completedFuture(GenerationResult.error(id, parsed.errorCode(), parsed.errorMessage(), 0));
                window.add(new Pending(id, kept, parsed.request(), f));
            }
        }

        private CompletableFuture<GenerationResult> submit(RequestParser.Parsed parsed) {
            try {
                return engine.submit(parsed.request());
            } catch (RuntimeException e) {
                // The contract says submit reports request errors in the result; be safe anyway.
                return CompletableFuture.completedFuture(GenerationResult.error(parsed.request().id(),
                    ErrorCode.ENGINE_ERROR, String.valueOf(e.getMessage()), 0));
            }
        }

        private void count(GenerationResult r) {
            metrics.requests.add(1);
            metrics.tokensIn.add(r.promptTokens());
            if (r.ok()) {
                metrics.choicePromptTokens.add((long) r.promptTokens() * r.choices().size());
                metrics.cachedPromptTokens.add(r.cachedPromptTokens());
                metrics.tokensOut.add(r.completionTokens());
            } else {
                metrics.errors.get(r.errorCode()).add(1);
            }
        }

        /** A failed or killed task: its requests leave the shared engine's batch at the next step, blocks freed. */
        void cancelPending() {
            for (Pending p : window) {
                if (p.request() != null) {
                    engine.abort(p.request());
                }
                p.result().cancel(true);
            }
            window.clear();
        }
    }
}
