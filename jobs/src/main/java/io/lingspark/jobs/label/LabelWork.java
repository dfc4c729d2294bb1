package io.lingspark.jobs.label;

import io.lingspark.engine.chat.ChatTemplate;
import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.runtime.ScoringRequest;
import io.lingspark.engine.runtime.ScoringResult;
import io.lingspark.engine.structured.StructuredOutput;
import io.lingspark.jobs.generate.RowWork;
import io.lingspark.jobs.progress.JobMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A row's text labeled on the executor's engine. score: every label scored as the assistant's answer
 * in one scoring request (the conversation computed once, forked per label), the probabilities the
 * labels' normalised exponentials; --multi-label: one yes/no request per label; generate: one
 * generation under a choice constraint (for label sets too large to score each).
 */
final class LabelWork implements RowWork {
    private static final long serialVersionUID = 1L;

    private final LabelPrompt prompt;
    private final LabelKind.Method method;
    private final double threshold;
    private final String runId;
    private final int maxTokens;
    private final String modelName; // --model-name, or null: the checkpoint's

    LabelWork(LabelPrompt prompt, LabelKind.Method method, double threshold, String runId, int maxTokens, String modelName) {
        this.modelName = modelName;
        this.prompt = prompt;
        this.method = method;
        this.threshold = threshold;
        this.runId = runId;
        this.maxTokens = maxTokens;
    }

    @Override
    public Task open(Engine engine, int attempt) {
        Out out = new Out(modelName != null ? modelName : engine.modelName(), engine.modelRevision(), attempt);
        ChatTemplate template = engine.chatTemplate();
        return (id, in) -> {
            long t0 = System.nanoTime();
            if (in.getString(5) != null) {
                return new ErrorItem(out, id, ErrorCode.BAD_JSON, "input line is not valid JSON");
            }
            String text = in.getString(1);
            if (text == null || text.isBlank()) {
                return new ErrorItem(out, id, ErrorCode.EMPTY_PROMPT, text == null ? "the row has no text" : "the text is blank");
            }
            try {
                return switch (method) {
                    case SCORE -> prompt.multiLabel() ? multi(engine, template, out, id, text, t0) : single(engine, template, out, id, text, t0);
                    case GENERATE -> generate(engine, out, id, text, t0);
                };
            } catch (RuntimeException e) { // the template failed on this text
                return new ErrorItem(out, id, ErrorCode.TEMPLATE_ERROR, "chat template failed: " + e.getMessage());
            }
        };
    }

    private Item single(Engine engine, ChatTemplate template, Out out, String id, String text, long t0) {
        List<Map<String, Object>> ms = prompt.messages(text);
        ScoringRequest r = ScoringRequest.ofMessages(id, ms, LabelPrompt.answers(template, ms, prompt.labels().labels()));
        return new Scored(out, id, List.of(engine.score(r)), t0);
    }

    private Item multi(Engine engine, ChatTemplate template, Out out, String id, String text, long t0) {
        List<CompletableFuture<ScoringResult>> fs = new ArrayList<>();
        for (int i = 0; i < prompt.labels().size(); i++) {
            List<Map<String, Object>> ms = prompt.question(text, i);
            fs.add(engine.score(ScoringRequest.ofMessages(id + "#" + i, ms, LabelPrompt.answers(template, ms, List.of("yes", "no")))));
        }
        return new Scored(out, id, fs, t0);
    }

    private Item generate(Engine engine, Out out, String id, String text, long t0) {
        SamplingParams p = SamplingParams.builder().temperature(0).maxTokens(maxTokens)
            .structuredOutput(StructuredOutput.choice(prompt.labels().labels())).build();
        GenerationRequest r = GenerationRequest.ofMessages(id, prompt.messages(text), null, p);
        AtomicLong streamed = new AtomicLong(); // pieces while in flight, for the progress bar
        return new Generated(out, id, engine, r, engine.submit(r, (choice, delta) -> streamed.incrementAndGet()), streamed);
    }

    /** What every output row of a task shares. */
    private record Out(String model, String revision, int attempt) {
    }

    /** One output row: the job's columns, the kept values, run_id. */
    private Row row(Out o, String id, String label, Map<String, Double> scores, Double confidence, List<String> labels,
                    int promptTokens, int completionTokens, double latencyMs, ErrorCode code, String message, Object[] kept) {
        Object[] v = new Object[LabelKind.COLUMNS.size() + kept.length + 1];
        int i = 0;
        v[i++] = id;
        v[i++] = 0;
        v[i++] = o.model();
        v[i++] = o.revision();
        v[i++] = label;
        v[i++] = scores == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(scores);
        v[i++] = confidence;
        v[i++] = labels == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(labels).toSeq();
        v[i++] = promptTokens;
        v[i++] = completionTokens;
        v[i++] = latencyMs;
        v[i++] = o.attempt();
        v[i++] = code == null ? null : RowFactory.create(code.name(), message);
        for (Object k : kept) {
            v[i++] = k;
        }
        v[i] = runId;
        return RowFactory.create(v);
    }

    /** A row that failed before reaching the engine (no text, a template error). */
    private final class ErrorItem implements Item {
        private final Out out;
        private final String id;
        private final ErrorCode code;
        private final String message;

        ErrorItem(Out out, String id, ErrorCode code, String message) {
            this.out = out;
            this.id = id;
            this.code = code;
            this.message = message;
        }

        @Override
        public CompletableFuture<?> done() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public List<Row> rows(Object[] kept) {
            return List.of(row(out, id, null, null, null, null, 0, 0, 0, code, message, kept));
        }

        @Override
        public void count(JobMetrics m) {
            m.requests.add(1);
            m.errors.get(code).add(1);
        }

        @Override
        public void abort() {
        }
    }

    /** Scoring requests of one row: one (every label), or one per label (--multi-label). */
    private final class Scored implements Item {
        private final Out out;
        private final String id;
        private final List<CompletableFuture<ScoringResult>> parts;
        private final long t0;
        private final CompletableFuture<Void> all;

        Scored(Out out, String id, List<CompletableFuture<ScoringResult>> parts, long t0) {
            this.out = out;
            this.id = id;
            this.parts = parts;
            this.t0 = t0;
            this.all = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
        }

        @Override
        public CompletableFuture<?> done() {
            return all;
        }

        private ScoringResult failed() {
            return parts.stream().map(CompletableFuture::join).filter(r -> !r.ok()).findFirst().orElse(null);
        }

        @Override
        public List<Row> rows(Object[] kept) {
            double ms = (System.nanoTime() - t0) / 1e6;
            ScoringResult bad = failed();
            int promptTokens = parts.get(0).join().contextTokens();
            if (bad != null) {
                return List.of(row(out, id, null, null, null, null, promptTokens, 0, ms, bad.errorCode(), bad.errorMessage(), kept));
            }
            List<String> names = prompt.labels().labels();
            Map<String, Double> scores = new LinkedHashMap<>();
            if (!prompt.multiLabel()) {
                ScoringResult r = parts.get(0).join();
                double[] lp = r.continuations().stream().mapToDouble(ScoringResult.ContinuationScore::logprob).toArray();
                double[] p = LabelScores.normalize(lp);
                for (int i = 0; i < p.length; i++) {
                    scores.put(names.get(i), p[i]);
                }
                int best = LabelScores.argmax(p);
                return List.of(row(out, id, names.get(best), scores, p[best], null, promptTokens, 0, ms, null, null, kept));
            }
            List<String> over = new ArrayList<>();
            double[] yes = new double[names.size()];
            for (int i = 0; i < names.size(); i++) {
                ScoringResult r = parts.get(i).join();
                // P(yes) of the two answers, normalised: independent per label
                yes[i] = LabelScores.normalize(new double[] {r.continuations().get(0).logprob(), r.continuations().get(1).logprob()})[0];
                scores.put(names.get(i), yes[i]);
                if (yes[i] >= threshold) {
                    over.add(names.get(i));
                }
            }
            int best = LabelScores.argmax(yes);
            return List.of(row(out, id, names.get(best), scores, yes[best], over, promptTokens, 0, ms, null, null, kept));
        }

        @Override
        public void count(JobMetrics m) {
            m.requests.add(1);
            ScoringResult bad = failed();
            for (CompletableFuture<ScoringResult> f : parts) {
                ScoringResult r = f.join();
                m.tokensIn.add(r.contextTokens());
                if (r.ok()) {
                    m.choicePromptTokens.add((long) r.contextTokens() * r.continuations().size());
                    m.cachedPromptTokens.add(r.cachedTokens());
                }
            }
            if (bad != null) {
                m.errors.get(bad.errorCode()).add(1);
            }
        }

        @Override
        public void abort() {
            parts.forEach(f -> f.cancel(true)); // cancelling takes a scoring request out of the batch
        }
    }

    /** --method generate: one generation under a choice constraint over the labels. */
    private final class Generated implements Item {
        private final Out out;
        private final String id;
        private final Engine engine;
        private final GenerationRequest request;
        private final CompletableFuture<GenerationResult> f;
        private final AtomicLong streamed;

        Generated(Out out, String id, Engine engine, GenerationRequest request, CompletableFuture<GenerationResult> f,
                  AtomicLong streamed) {
            this.out = out;
            this.id = id;
            this.engine = engine;
            this.request = request;
            this.f = f;
            this.streamed = streamed;
        }

        @Override
        public CompletableFuture<?> done() {
            return f;
        }

        @Override
        public long streamed() {
            return streamed.get();
        }

        @Override
        public List<Row> rows(Object[] kept) {
            GenerationResult r = f.join();
            if (!r.ok()) {
                return List.of(row(out, id, null, null, null, null, r.promptTokens(), 0, r.totalMs(), r.errorCode(),
                    r.errorMessage(), kept));
            }
            var c = r.choices().get(0);
            ErrorCode code = c.outputError();
            String label = code == null ? c.parsed() : null;
            return List.of(row(out, id, label, null, null, null, r.promptTokens(), c.completionTokens(), r.totalMs(), code,
                code == null ? null : "the answer '" + c.text() + "' is not a whole label (finish_reason "
                    + c.finishReason() + ")", kept));
        }

        @Override
        public void count(JobMetrics m) {
            GenerationResult r = f.join();
            m.requests.add(1);
            m.tokensIn.add(r.promptTokens());
            if (r.ok()) {
                m.tokensOut.add(r.completionTokens());
                m.choicePromptTokens.add(r.promptTokens());
                m.cachedPromptTokens.add(r.cachedPromptTokens());
            } else {
                m.errors.get(r.errorCode()).add(1);
            }
        }

        @Override
        public void abort() {
            engine.abort(request);
            f.cancel(true);
        }
    }
}
