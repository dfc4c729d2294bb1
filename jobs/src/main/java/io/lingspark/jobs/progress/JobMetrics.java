package io.lingspark.jobs.progress;

import io.lingspark.engine.runtime.ErrorCode;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Counters the generation tasks add to and the driver reads for progress. Spark merges a task's
 * accumulator updates once, when the task succeeds, so failed attempts do not inflate them; while a
 * task runs, its current values reach the driver with executor heartbeats ({@link ProgressListener}).
 * The final summary is read back from the committed output instead, which is exact by construction;
 * the two row counts ({@link PartitionCounts}) are exact too and give the number of requests.
 */
public final class JobMetrics implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "lingspark.";

    public final LongAccumulator requests;
    public final LongAccumulator tokensIn;
    public final LongAccumulator tokensOut;
    /**
     * A running task's tokens of rows still generating (streamed pieces), back to 0 as they finish and
     * their exact tokens go to tokensOut: the progress counts tokens before rows end.
     */
    public final LongAccumulator tokensInFlight;
    /** Prompt tokens read by every choice (a request of n choices reads its prompt n times). */
    public final LongAccumulator choicePromptTokens;
    /** Of those, the ones the engine served from its prefix cache. */
    public final LongAccumulator cachedPromptTokens;
    public final Map<ErrorCode, LongAccumulator> errors = new EnumMap<>(ErrorCode.class);
    /** Request rows read from the input (before ids are made unique), counted as they are shuffled. */
    public final PartitionCounts rowsIn = new PartitionCounts();
    /** Rows dropped because an earlier row of the same partition had the same id. */
    public final PartitionCounts folded = new PartitionCounts();

    public JobMetrics(SparkContext sc) {
        requests = sc.longAccumulator(PREFIX + "requests");
        tokensIn = sc.longAccumulator(PREFIX + "tokens_in");
        tokensOut = sc.longAccumulator(PREFIX + "tokens_out");
        tokensInFlight = sc.longAccumulator(PREFIX + "tokens_out_in_flight");
        choicePromptTokens = sc.longAccumulator(PREFIX + "choice_prompt_tokens");
        cachedPromptTokens = sc.longAccumulator(PREFIX + "cached_prompt_tokens");
        for (ErrorCode c : ErrorCode.values()) {
            errors.put(c, sc.longAccumulator(PREFIX + "error." + c.name()));
        }
        sc.register(rowsIn, PREFIX + "rows_in");
        sc.register(folded, PREFIX + "rows_folded");
    }

    /** Prefix-cache hit rate of counted values (cached / choice prompt tokens), or null before any prompt. */
    public static Double hitRate(long cached, long choicePrompt) {
        return choicePrompt <= 0 ? null : (double) cached / choicePrompt;
    }

    /** Accumulator id → short name (requests, tokens_in, tokens_out, error.CODE, ...), for the listener. */
    public Map<Long, String> names() {
        Map<Long, String> m = new LinkedHashMap<>();
        m.put(requests.id(), "requests");
        m.put(tokensIn.id(), "tokens_in");
        m.put(tokensOut.id(), "tokens_out");
        m.put(tokensInFlight.id(), "tokens_out_in_flight");
        m.put(choicePromptTokens.id(), "choice_prompt_tokens");
        m.put(cachedPromptTokens.id(), "cached_prompt_tokens");
        errors.forEach((c, a) -> m.put(a.id(), "error." + c.name()));
        m.put(folded.id(), "rows_folded");
        return m;
    }

    /** Driver-side merged values of finished tasks, by short name. */
    public Map<String, Long> merged() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("requests", requests.value());
        m.put("tokens_in", tokensIn.value());
        m.put("tokens_out", tokensOut.value());
        m.put("tokens_out_in_flight", tokensInFlight.value());
        m.put("choice_prompt_tokens", choicePromptTokens.value());
        m.put("cached_prompt_tokens", cachedPromptTokens.value());
        errors.forEach((c, a) -> m.put("error." + c.name(), a.value()));
        m.put("rows_folded", folded.value());
        return m;
    }
}
