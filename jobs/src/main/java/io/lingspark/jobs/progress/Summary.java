package io.lingspark.jobs.progress;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The end-of-run numbers, computed from the committed rows of the run (not from accumulators), so
 * they are exact whatever retries happened; only the prefix-cache hit rate, which no row holds, comes
 * from the tasks' accumulators (successful attempts).
 *
 * @param cachedPromptTokens prompt tokens the engines served from their prefix caches
 * @param choicePromptTokens prompt tokens read over every choice
 * @param incompleteOutputs  choices whose answer ended before its output constraint accepted it
 *                           (INCOMPLETE_OUTPUT): served requests, so not in errorsByCode nor the error rate
 * @param resume             what a --resume found in the output, or null for a run into a new output
 */
public record Summary(String runId, String output, long requests, long rows, Map<String, Long> errorsByCode,
                      long tokensIn, long tokensOut, double wallS, long cachedPromptTokens, long choicePromptTokens,
                      long incompleteOutputs, Resume resume) {
    /**
     * A resumed run's place in its output.
     *
     * @param skipped      ids of the input the output already had done (not generated again)
     * @param retried      ids whose latest row was a failed request, generated again (--retry-errors)
     * @param outputIds    ids in the output after this run
     * @param outputFailed of those, the ids whose latest row is a failed request
     */
    public record Resume(long skipped, long retried, long outputIds, long outputFailed) {
    }

    private static final String INCOMPLETE = io.lingspark.engine.runtime.ErrorCode.INCOMPLETE_OUTPUT.name();


    public static Summary of(Dataset<Row> run, String runId, String output, double wallS) {
        // One query: per error code (null = fine), then summed here. Every request has exactly one
        // choice-0 row (its first choice or its error row).
        List<Row> byCode = run.groupBy(col("error.code")).agg(count(when(col("choice").equalTo(0), lit(1))),
            count(lit(1)), sum(when(col("choice").equalTo(0), col("prompt_tokens")).otherwise(0)),
            sum(col("completion_tokens"))).collectAsList();
        Map<String, Long> errors = new TreeMap<>();
        long requests = 0;
        long rows = 0;
        long in = 0;
        long out = 0;
        long incomplete = 0;
        for (Row r : byCode) {
            if (!r.isNullAt(0) && r.getString(0).equals(INCOMPLETE)) {
                incomplete = r.getLong(2); // every choice row with it, not only choice 0
            } else if (!r.isNullAt(0)) {
                errors.put(r.getString(0), r.getLong(1));
            }
            requests += r.getLong(1);
            rows += r.getLong(2);
            in += r.isNullAt(3) ? 0 : r.getLong(3);
            out += r.isNullAt(4) ? 0 : r.getLong(4);
        }
        return new Summary(runId, output, requests, rows, errors, in, out, wallS, 0, 0, incomplete, null);
    }

    /** The same summary with the prefix-cache counts of the run. */
    public Summary withPrefixCache(long cached, long choicePrompt) {
        return new Summary(runId, output, requests, rows, errorsByCode, tokensIn, tokensOut, wallS, cached, choicePrompt,
            incompleteOutputs, resume);
    }

    /** The same summary with what the resume found. */
    public Summary withResume(Resume r) {
        return new Summary(runId, output, requests, rows, errorsByCode, tokensIn, tokensOut, wallS, cachedPromptTokens,
            choicePromptTokens, incompleteOutputs, r);
    }

    /** Prompt tokens served from the prefix cache / prompt tokens read, or null when none were read. */
    public Double prefixCacheHitRate() {
        return JobMetrics.hitRate(cachedPromptTokens, choicePromptTokens);
    }

    public long errors() {
        return errorsByCode.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Failed requests over requests (0 for an empty run). */
    public double errorRate() {
        return requests == 0 ? 0 : (double) errors() / requests;
    }

    /**
     * The rate --max-error-rate is checked against: this run's, or for a resume the output's (ids whose
     * latest row failed over all ids), so a retry that skips the failed ids cannot pass.
     */
    public double checkedErrorRate() {
        return resume == null ? errorRate() : resume.outputIds() == 0 ? 0 : (double) resume.outputFailed() / resume.outputIds();
    }

    /** What --max-error-rate is checked against, in words, e.g. "3 of 40 requests failed". */
    public String checkedErrors() {
        return resume == null ? String.format("%d of %d requests failed", errors(), requests)
            : String.format("%d of the output's %d ids failed, by the latest row of each id", resume.outputFailed(),
                resume.outputIds());
    }

    public StatusFile.Snapshot snapshot(String state, long total, String message) {
        return new StatusFile.Snapshot(state, runId, output, total, requests, errorsByCode, tokensIn, tokensOut,
            wallS, message, prefixCacheHitRate());
    }

    public String table() {
        StringBuilder b = new StringBuilder();
        b.append("+-------------------+------------------\n");
        line(b, "run", runId);
        line(b, "requests", Long.toString(requests));
        line(b, "output rows", Long.toString(rows));
        line(b, "errors", String.format("%d (%.1f%%)", errors(), errorRate() * 100));
        errorsByCode.forEach((k, v) -> line(b, "  " + k, Long.toString(v)));
        if (resume != null) {
            line(b, "resumed", resume.skipped() + " id(s) skipped (done), " + resume.retried() + " retried (failed before)");
            line(b, "output errors", String.format("%d of %d ids (%.1f%%, latest row of each id)", resume.outputFailed(),
                resume.outputIds(), checkedErrorRate() * 100));
        }
        if (incompleteOutputs > 0) {
            line(b, "incomplete output", incompleteOutputs + " choice(s) cut before the constraint was met");
        }
        line(b, "prompt tokens", Long.toString(tokensIn));
        line(b, "completion tokens", Long.toString(tokensOut));
        Double hit = prefixCacheHitRate();
        if (hit != null) {
            line(b, "prefix cache hits", String.format("%.1f%% (%d of %d prompt tokens)", hit * 100, cachedPromptTokens,
                choicePromptTokens));
        }
        line(b, "wall time", String.format("%.1f s", wallS));
        line(b, "tokens/s (out)", String.format("%.1f", wallS > 0 ? tokensOut / wallS : 0));
        line(b, "output", output);
        b.append("+-------------------+------------------");
        return b.toString();
    }

    private static void line(StringBuilder b, String k, String v) {
        b.append(String.format("| %-17s | %s%n", k, v));
    }
}
