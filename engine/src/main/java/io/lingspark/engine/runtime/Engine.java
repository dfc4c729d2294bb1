package io.lingspark.engine.runtime;

import io.lingspark.engine.chat.ChatTemplate;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.tokenizer.Tokenizer;
import java.util.concurrent.CompletableFuture;

/**
 * The Ling engine: many concurrent requests, one continuous batch. Thread-safe: Spark tasks of one
 * executor share one engine. A request's errors never escape: the future completes normally with a
 * result whose errorCode is set. The implementation is {@code runtime.LingEngine} ({@code LingEngine.open}).
 */
public interface Engine extends AutoCloseable {
    CompletableFuture<GenerationResult> submit(GenerationRequest request);

    /** Like submit, and also calls the listener with each piece of text as it is generated. */
    CompletableFuture<GenerationResult> submit(GenerationRequest request, StreamListener listener);

    /**
     * Stops a request that is in flight (the same object given to submit): it leaves the batch at the
     * next step and its cache is freed; its future completes with CANCELLED. Cancelling the future
     * that submit returned does the same. False when the request is not (or no longer) in flight.
     */
    boolean abort(GenerationRequest request);

    /**
     * The log-likelihood of each continuation after the request's context (lm-eval's loglikelihood),
     * through the same batch as generation. The context is computed once for all continuations. Errors
     * are values, as for submit; cancelling the future takes the request out of the batch.
     */
    CompletableFuture<ScoringResult> score(ScoringRequest request);

    /** The log-likelihood of a whole text in windows of the context length (lm-eval's loglikelihood_rolling). */
    CompletableFuture<RollingResult> scoreRolling(RollingRequest request);

    /** Prompt token count of a request, or a typed LingException (template, empty, too long). */
    int countPromptTokens(GenerationRequest request);

    Tokenizer tokenizer();

    ChatTemplate chatTemplate();

    LingConfig config();

    /** Name of the model (the directory name, or config's name_or_path). */
    String modelName();

    /** A short content hash of config.json and the safetensors index (output rows carry it). */
    String modelRevision();

    /** Tokens in/out, steps, queue lengths since the engine started. */
    EngineStats stats();

    /** Fails whatever is still running with CANCELLED and frees the backend. */
    @Override
    void close();

    interface StreamListener {
        /** New text of choice {@code choice} (reasoning and content not yet separated). */
        void onText(int choice, String delta);
    }

    /**
     * Counters since start; totals, so rates are differences over time.
     *
     * @param running          sequences holding cache now
     * @param cacheBlocksUsed  cache blocks held now, of cacheBlocksTotal
     * @param abortedRequests  requests that left the batch because they were cancelled or aborted
     * @param choicePromptTokens prompt tokens of every choice that started (n choices count n prompts; a
     *                         scoring sequence counts the tokens it reads)
     * @param cachedPromptTokens of those, the ones served from the prefix cache (or, for a scored context's
     *                         forked continuations, from the context's cache) instead of computed
     * @param prefillTokens    tokens prefilled (prompts less cached prefixes, and recomputation after preemption)
     */
    record EngineStats(long promptTokens, long generatedTokens, long steps, long finishedRequests,
                       int running, int waiting, double loadSeconds, int cacheBlocksUsed, int cacheBlocksTotal,
                       long preemptions, long abortedRequests, long choicePromptTokens, long cachedPromptTokens,
                       long prefillTokens) {
        /** Prompt tokens served from the prefix cache / prompt tokens (0 before any prompt). */
        public double prefixCacheHitRate() {
            return choicePromptTokens == 0 ? 0 : (double) cachedPromptTokens / choicePromptTokens;
        }
    }
}
