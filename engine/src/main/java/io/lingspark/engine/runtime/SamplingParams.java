package io.lingspark.engine.runtime;

import io.lingspark.engine.structured.ConstraintException;
import io.lingspark.engine.structured.StructuredOutput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * OpenAI/vLLM sampling parameters. Immutable; {@link #builder()} starts from the defaults
 * (temperature 1, top_p 1, top_k off, min_p 0, no penalties, max_tokens 256, n 1).
 * Range checks live in {@link #validate()} so a bad per-row value becomes a typed error.
 *
 * @param topK     -1 or 0: off (vLLM takes both); otherwise >= 1 (values above the vocabulary keep it whole)
 * @param seed     null: a seed drawn per request (still reported nowhere; use a seed to reproduce)
 * @param logprobs null: none; k ≥ 0: the chosen token plus the top k
 * @param structuredOutput null: free text; otherwise the constraint every finished answer satisfies
 */
public record SamplingParams(double temperature, double topP, int topK, double minP,
                             double repetitionPenalty, double presencePenalty, double frequencyPenalty,
                             Long seed, int maxTokens, int minTokens, List<String> stop, List<Integer> stopTokenIds,
                             boolean ignoreEos, int n, Integer logprobs, boolean skipSpecialTokens,
                             StructuredOutput structuredOutput) {

    public static final SamplingParams DEFAULT = builder().build();

    public SamplingParams {
        // Not List.copyOf: a null element must reach validate() as INVALID_PARAMS, not throw here.
        stop = stop == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(stop));
        stopTokenIds = stopTokenIds == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(stopTokenIds));
    }

    /**
     * Throws {@link LingException} (INVALID_PARAMS) naming the first bad field and its allowed range.
     * The ranges are vLLM's: a value outside them is refused, never clamped or ignored.
     */
    public SamplingParams validate() {
        check(temperature >= 0 && Double.isFinite(temperature), "temperature must be >= 0 and finite, got " + temperature);
        check(topP > 0 && topP <= 1, "top_p must be in (0, 1], got " + topP);
        check(topK >= -1, "top_k must be -1 or 0 (off), or >= 1, got " + topK);
        check(minP >= 0 && minP <= 1, "min_p must be in [0, 1], got " + minP);
        check(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty),
            "repetition_penalty must be > 0 and finite, got " + repetitionPenalty);
        check(presencePenalty >= -2 && presencePenalty <= 2, "presence_penalty must be in [-2, 2], got " + presencePenalty);
        check(frequencyPenalty >= -2 && frequencyPenalty <= 2, "frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
        check(maxTokens >= 1, "max_tokens must be >= 1, got " + maxTokens);
        check(minTokens >= 0 && minTokens <= maxTokens, "min_tokens must be in [0, max_tokens=" + maxTokens + "], got " + minTokens);
        check(n >= 1 && n <= 128, "n must be in [1, 128], got " + n);
        check(logprobs == null || (logprobs >= 0 && logprobs <= 20), "logprobs must be in [0, 20], got " + logprobs);
        for (String s : stop) {
            check(s != null && !s.isEmpty(), "stop strings must be non-empty, got " + (s == null ? "null" : "\"\""));
        }
        for (Integer id : stopTokenIds) {
            check(id != null && id >= 0, "stop_token_ids must be token ids >= 0, got " + id);
        }
        if (structuredOutput != null) {
            try {
                structuredOutput.validate();
            } catch (ConstraintException e) {
                throw new LingException(ErrorCode.INVALID_PARAMS, e.getMessage());
            }
        }
        return this;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new LingException(ErrorCode.INVALID_PARAMS, message);
        }
    }

    public Builder toBuilder() {
        return new Builder().temperature(temperature).topP(topP).topK(topK).minP(minP)
            .repetitionPenalty(repetitionPenalty).presencePenalty(presencePenalty).frequencyPenalty(frequencyPenalty)
            .seed(seed).maxTokens(maxTokens).minTokens(minTokens).stop(stop).stopTokenIds(stopTokenIds)
            .ignoreEos(ignoreEos).n(n).logprobs(logprobs).skipSpecialTokens(skipSpecialTokens)
            .structuredOutput(structuredOutput);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private double temperature = 1.0;
        private double topP = 1.0;
        private int topK = 0;
        private double minP = 0.0;
        private double repetitionPenalty = 1.0;
        private double presencePenalty = 0.0;
        private double frequencyPenalty = 0.0;
        private Long seed;
        private int maxTokens = 256;
        private int minTokens = 0;
        private List<String> stop = List.of();
        private List<Integer> stopTokenIds = List.of();
        private boolean ignoreEos;
        private int n = 1;
        private Integer logprobs;
        private boolean skipSpecialTokens = true;
        private StructuredOutput structuredOutput;

        public Builder temperature(double v) { temperature = v; return this; }
        public Builder topP(double v) { topP = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder minP(double v) { minP = v; return this; }
        public Builder repetitionPenalty(double v) { repetitionPenalty = v; return this; }
        public Builder presencePenalty(double v) { presencePenalty = v; return this; }
        public Builder frequencyPenalty(double v) { frequencyPenalty = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        public Builder minTokens(int v) { minTokens = v; return this; }
        public Builder stop(List<String> v) { stop = v; return this; }
        public Builder stopTokenIds(List<Integer> v) { stopTokenIds = v; return this; }
        public Builder ignoreEos(boolean v) { ignoreEos = v; return this; }
        public Builder n(int v) { n = v; return this; }
        public Builder logprobs(Integer v) { logprobs = v; return this; }
        public Builder skipSpecialTokens(boolean v) { skipSpecialTokens = v; return this; }
        public Builder structuredOutput(StructuredOutput v) { structuredOutput = v; return this; }

        public SamplingParams build() {
            return new SamplingParams(temperature, topP, topK, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, seed, maxTokens, minTokens, stop, stopTokenIds, ignoreEos, n, logprobs, skipSpecialTokens,
                structuredOutput);
        }
    }
}
