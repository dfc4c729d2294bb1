package io.lingspark.jobs.output;

import io.lingspark.engine.runtime.CompletionChoice;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.TokenLogprob;
import io.lingspark.engine.output.ToolCall;
import io.lingspark.engine.structured.StructuredOutput;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** Builds output rows ({@link OutputSchema}) from engine results and from request errors. */
public final class ResultRows {
    private final String model;
    private final String revision;
    private final String runId;
    private final int attempt;
    private final ParsedColumn parsed;

    public ResultRows(String model, String revision, String runId, int attempt, ParsedColumn parsed) {
        this.model = model;
        this.revision = revision;
        this.runId = runId;
        this.attempt = attempt;
        this.parsed = parsed;
    }

    /**
     * One row per choice, or one error row; kept holds the pass-through column values, constraint the
     * request's output constraint (null: none). A choice whose answer ended before its constraint
     * accepted it keeps its text and finish_reason, with a null parsed and error INCOMPLETE_OUTPUT:
     * the request itself was served (the summary counts these apart from failed requests).
     */
    public List<Row> rows(String id, GenerationResult r, Object[] kept, StructuredOutput constraint) {
        if (!r.ok()) {
            return List.of(error(id, r.errorCode(), r.errorMessage(), r.promptTokens(), r.totalMs(), kept));
        }
        List<Row> out = new ArrayList<>(r.choices().size());
        for (CompletionChoice c : r.choices()) {
            List<Row> calls = new ArrayList<>();
            if (c.toolCalls() != null) {
                for (ToolCall t : c.toolCalls()) {
                    calls.add(RowFactory.create(t.id(), t.name(), t.arguments()));
                }
            }
            Row error = c.outputError() == null ? null : RowFactory.create(c.outputError().name(),
                incomplete(c.outputError(), c.finishReason()));
            out.add(row(id, c.index(), c.text(), parsed.value(c, constraint), c.reasoningContent(), calls,
                c.finishReason(), r.promptTokens(), c.completionTokens(), r.totalMs(), r.ttftMs(), error,
                logprobs(c.logprobs()), kept));
        }
        return out;
    }

    public Row error(String id, ErrorCode code, String message, int promptTokens, double latencyMs, Object[] kept) {
        return row(id, 0, null, null, null, List.of(), null, promptTokens, 0, latencyMs, null,
            RowFactory.create(code.name(), message), null, kept);
    }

    /** The engine's per-token logprobs as the logprobs column (null when the row did not ask for them). */
    private static Object logprobs(List<TokenLogprob> lps) {
        if (lps == null) {
            return null;
        }
        List<Row> out = new ArrayList<>(lps.size());
        for (TokenLogprob t : lps) {
            List<Row> top = new ArrayList<>(t.top() == null ? 0 : t.top().size());
            if (t.top() != null) {
                for (TokenLogprob.Top a : t.top()) {
                    top.add(RowFactory.create(a.token(), a.logprob()));
                }
            }
            out.add(RowFactory.create(t.token(), t.logprob(), seq(top)));
        }
        return seq(out);
    }

    private static Object seq(List<Row> rows) {
        return scala.jdk.javaapi.CollectionConverters.asScala(rows).toSeq();
    }

    private static String incomplete(ErrorCode code, String finish) {
        return code == ErrorCode.INCOMPLETE_OUTPUT
            ? "the answer ended (finish_reason " + finish + ") before it satisfied the output constraint; "
                + "parsed is null, text holds what was generated (raise max_tokens)"
            : "the answer does not satisfy the output constraint (finish_reason " + finish + ")";
    }

    private Row row(String id, int choice, String text, Object parsedValue, String reasoning, List<Row> calls, String finish,
                    int promptTokens, int completionTokens, Double latency, Double ttft, Row error, Object logprobs,
                    Object[] kept) {
        Object[] v = new Object[OutputSchema.BASE.size() + kept.length + 1];
        int i = 0;
        v[i++] = id;
        v[i++] = choice;
        v[i++] = model;
        v[i++] = revision;
        v[i++] = text;
        v[i++] = parsedValue;
        v[i++] = reasoning;
        v[i++] = scala.jdk.javaapi.CollectionConverters.asScala(calls).toSeq();
        v[i++] = finish;
        v[i++] = promptTokens;
        v[i++] = completionTokens;
        v[i++] = latency;
        v[i++] = ttft;
        v[i++] = attempt;
        v[i++] = error;
        v[i++] = logprobs;
        for (Object k : kept) {
            v[i++] = k;
        }
        v[i] = runId;
        return RowFactory.create(v);
    }
}
