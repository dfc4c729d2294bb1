package io.lingspark.jobs.eval;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.RollingRequest;
import io.lingspark.engine.runtime.RollingResult;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.runtime.ScoringRequest;
import io.lingspark.engine.runtime.ScoringResult;
import io.lingspark.jobs.generate.RowWork;
import io.lingspark.jobs.progress.JobMetrics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One document evaluated on the executor's engine: its request (built on the driver) sent as a
 * scoring request (multiple_choice, loglikelihood), a rolling score (loglikelihood_rolling) or a
 * generation (generate_until), then scored by {@link Scorer} into one output row. A document that
 * could not be prompted is an error row without reaching the engine.
 */
final class EvalWork implements RowWork {
    private static final long serialVersionUID = 1L;

    private final Map<String, TaskConfig> tasks;
    private final Map<String, DocRequest> requests;
    private final String runId;

    private String modelName; // --model-name, or null: the checkpoint's

    EvalWork withModelName(String name) {
        this.modelName = name;
        return this;
    }

    EvalWork(Map<String, TaskConfig> tasks, Map<String, DocRequest> requests, String runId) {
        this.tasks = tasks;
        this.requests = requests;
        this.runId = runId;
    }

    @Override
    public Task open(Engine engine, int attempt) {
        Out out = new Out(modelName != null ? modelName : engine.modelName(), engine.modelRevision(), attempt);
        return (id, in) -> {
            DocRequest r = requests.get(id);
            if (r == null) { // the frame comes from the same map: a bug, not a row problem
                throw new IllegalStateException("no eval request for id " + id);
            }
            TaskConfig task = tasks.get(r.task());
            long t0 = System.nanoTime();
            if (r.isError()) {
                return new Doc(out, id, task, r, CompletableFuture.completedFuture(ModelOutput.ofError(r.errorCode(), r.errorMessage())),
                    null, null, null, t0);
            }
            return switch (r.type()) {
                case MULTIPLE_CHOICE, LOGLIKELIHOOD -> {
                    CompletableFuture<ScoringResult> f = engine.score(ScoringRequest.ofText(id, r.context(), r.continuations()));
                    yield new Doc(out, id, task, r, f.thenApply(EvalWork::choices), f, null, null, t0);
                }
                case LOGLIKELIHOOD_ROLLING -> {
                    CompletableFuture<RollingResult> f = engine.scoreRolling(RollingRequest.ofText(id, r.rollingText()));
                    yield new Doc(out, id, task, r, f.thenApply(EvalWork::rolling), f, null, null, t0);
                }
                case GENERATE_UNTIL -> {
                    GenerationKwargs g = r.generation();
                    SamplingParams p = SamplingParams.builder().temperature(g.effectiveTemperature())
                        .maxTokens(g.maxGenToks()).stop(g.until()).build();
                    GenerationRequest req = GenerationRequest.ofPrompt(id, r.context(), p);
                    AtomicLong streamed = new AtomicLong(); // pieces while in flight, for the progress bar
                    CompletableFuture<GenerationResult> f = engine.submit(req, (choice, delta) -> streamed.incrementAndGet());
                    yield new Doc(out, id, task, r, f.thenApply(EvalWork::text), f, () -> engine.abort(req), streamed, t0);
                }
            };
        };
    }

    private static ModelOutput choices(ScoringResult s) {
        if (!s.ok()) {
            return ModelOutput.ofError(s.errorCode().name(), s.errorMessage());
        }
        return ModelOutput.ofChoices(s.continuations().stream()
            .map(c -> new ModelOutput.ChoiceScore(c.logprob(), c.greedy())).toList());
    }

    private static ModelOutput rolling(RollingResult s) {
        return s.ok() ? ModelOutput.ofRolling(s.logprob()) : ModelOutput.ofError(s.errorCode().name(), s.errorMessage());
    }

    private static ModelOutput text(GenerationResult g) {
        return g.ok() ? ModelOutput.ofText(g.choices().get(0).text()) : ModelOutput.ofError(g.errorCode().name(), g.errorMessage());
    }

    /** What every output row of a task shares. */
    private record Out(String model, String revision, int attempt) {
    }

    /** One document in flight: the engine's future, and the output it is read as. */
    private final class Doc implements Item {
        private final Out out;
        private final String id;
        private final TaskConfig task;
        private final DocRequest request;
        private final CompletableFuture<ModelOutput> output;
        private final CompletableFuture<?> engineWork;
        private final Runnable abortGeneration;
        private final AtomicLong streamed; // generated pieces so far, or null for scoring
        private final long t0;

        Doc(Out out, String id, TaskConfig task, DocRequest request, CompletableFuture<ModelOutput> output,
            CompletableFuture<?> engineWork, Runnable abortGeneration, AtomicLong streamed, long t0) {
            this.out = out;
            this.id = id;
            this.task = task;
            this.request = request;
            this.output = output;
            this.engineWork = engineWork;
            this.abortGeneration = abortGeneration;
            this.streamed = streamed;
            this.t0 = t0;
        }

        @Override
        public CompletableFuture<?> done() {
            return output;
        }

        @Override
        public long streamed() {
            return streamed == null ? 0 : streamed.get();
        }

        private int[] tokens() {
            Object w = engineWork == null ? null : engineWork.join();
            if (w instanceof ScoringResult s) {
                return new int[] {s.contextTokens(), 0};
            }
            if (w instanceof RollingResult s) {
                return new int[] {s.ok() ? s.tokens() : 0, 0};
            }
            if (w instanceof GenerationResult g) {
                return new int[] {g.promptTokens(), g.ok() ? g.completionTokens() : 0};
            }
            return new int[] {0, 0};
        }

        @Override
        public List<Row> rows(Object[] kept) {
            double ms = (System.nanoTime() - t0) / 1e6;
            DocResult d = Scorer.score(task, request, output.join());
            int[] tokens = tokens();
            String prompt = request.context() != null ? request.context() : request.rollingText();
            Object[] v = new Object[EvalKind.COLUMNS.size() + kept.length + 1];
            int i = 0;
            v[i++] = id;
            v[i++] = 0;
            v[i++] = out.model();
            v[i++] = out.revision();
            v[i++] = request.task();
            v[i++] = request.docId();
            v[i++] = prompt;
            v[i++] = d.target();
            v[i++] = d.prediction();
            v[i++] = d.isError() ? null : scala.jdk.javaapi.CollectionConverters.asScala(d.choiceLoglikelihoods()).toSeq();
            v[i++] = d.isError() ? null : scala.jdk.javaapi.CollectionConverters.asScala(d.scores());
            v[i++] = d.isError() ? null : scala.jdk.javaapi.CollectionConverters.asScala(d.filtered());
            v[i++] = d.correct();
            v[i++] = d.confidence();
            v[i++] = d.loglikelihood();
            v[i++] = d.words();
            v[i++] = d.bytes();
            v[i++] = tokens[0];
            v[i++] = tokens[1];
            v[i++] = ms;
            v[i++] = out.attempt();
            v[i++] = d.isError() ? RowFactory.create(d.errorCode(), d.errorMessage()) : null;
            for (Object k : kept) {
                v[i++] = k;
            }
            v[i] = runId;
            return List.of(RowFactory.create(v));
        }

        @Override
        public void count(JobMetrics m) {
            m.requests.add(1);
            int[] tokens = tokens();
            m.tokensIn.add(tokens[0]);
            m.tokensOut.add(tokens[1]);
            DocResult d = Scorer.score(task, request, output.join());
            if (d.isError()) {
                m.errors.get(errorCode(d.errorCode())).add(1);
            }
        }

        @Override
        public void abort() {
            if (abortGeneration != null) {
                abortGeneration.run();
            }
            if (engineWork != null) {
                engineWork.cancel(true); // cancelling takes a scoring request out of the batch
            }
        }
    }

    /**
     * The progress metrics count errors by the engine's codes; the eval's own codes (INVALID_TARGET,
     * MODEL_OUTPUT, ...: a document the task cannot prompt or score) count as TEMPLATE_ERROR there. The
     * output row keeps the exact code.
     */
    private static ErrorCode errorCode(String code) {
        try {
            return ErrorCode.valueOf(code);
        } catch (IllegalArgumentException e) {
            return ErrorCode.TEMPLATE_ERROR;
        }
    }
}
