package io.lingspark.jobs.generate;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.jobs.input.RequestParser;
import io.lingspark.jobs.output.ResultRows;
import io.lingspark.jobs.progress.JobMetrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;

/** The generate job's work: a row's request through the engine, its choices as output rows. */
final class GenerateWork implements RowWork {
    private static final long serialVersionUID = 1L;
    private final JobSettings settings;

    GenerateWork(JobSettings settings) {
        this.settings = settings;
    }

    @Override
    public Task open(Engine engine, int attempt) {
        ResultRows rows = new ResultRows(settings.modelName(engine), engine.modelRevision(), settings.runId(), attempt,
            settings.parsed());
        return (id, in) -> {
            RequestParser.Parsed parsed = settings.parser().parse(id, in.getString(1), in.getString(2),
                in.getString(3), in.getString(4), in.getString(5));
            AtomicLong streamed = new AtomicLong();
            CompletableFuture<GenerationResult> f = parsed.request() != null
                ? submit(engine, parsed.request(), streamed)
                : CompletableFuture.completedFuture(GenerationResult.error(id, parsed.errorCode(), parsed.errorMessage(), 0));
            return new Generation(engine, rows, id, parsed.request(), f, streamed);
        };
    }

    private static CompletableFuture<GenerationResult> submit(Engine engine, GenerationRequest request,
                                                              AtomicLong streamed) {
        try {
            // the engine's thread counts the pieces; the task reads them for live progress
            return engine.submit(request, (choice, delta) -> streamed.incrementAndGet());
        } catch (RuntimeException e) {
            // The contract says submit reports request errors in the result; be safe anyway.
            return CompletableFuture.completedFuture(GenerationResult.error(request.id(), ErrorCode.ENGINE_ERROR,
                String.valueOf(e.getMessage()), 0));
        }
    }

    /** request is null for a row that failed to parse (its result is already there). */
    private record Generation(Engine engine, ResultRows rows, String id, GenerationRequest request,
                              CompletableFuture<GenerationResult> done, AtomicLong streamedPieces) implements Item {
        @Override
        public long streamed() {
            return streamedPieces.get(); // until the task counts the row, even once it is done: no dip
        }

        @Override
        public List<Row> rows(Object[] kept) {
            return rows.rows(id, done.join(), kept, request == null ? null : request.params().structuredOutput());
        }

        @Override
        public void count(JobMetrics metrics) {
            GenerationResult r = done.join();
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

        @Override
        public void abort() {
            if (request != null) {
                engine.abort(request);
            }
            done.cancel(true);
        }
    }
}
