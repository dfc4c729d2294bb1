package io.lingspark.engine.command;

import io.lingspark.engine.runtime.LingException;
import io.lingspark.engine.runtime.SamplingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Sampling options with OpenAI/vLLM names and defaults (temperature 1, top_p 1, top_k off), the same
 * in chat and generate. In generate they are the defaults that a row's own params override.
 */
public final class SamplingOptionsMixin {
    @Option(names = "--max-tokens", defaultValue = "256", description = "most tokens to generate per choice")
    public int maxTokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "0 for greedy")
    public double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus mass (1: off)")
    public double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens (0: off)")
    public int topK;

    @Option(names = "--min-p", defaultValue = "0", description = "drop tokens below min_p × the most likely's probability")
    public double minP;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "HF/vLLM repetition penalty (1: off)")
    public double repetitionPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", description = "OpenAI presence penalty")
    public double presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", description = "OpenAI frequency penalty")
    public double frequencyPenalty;

    @Option(names = "--seed", description = "sampling seed: reproducible output (generate: each row's seed derives "
        + "from it and the row id)")
    public Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "a stop string; repeat the option for several (a comma is part of the string)")
    public List<String> stop = new ArrayList<>();

    @Option(names = "--n", defaultValue = "1", description = "choices per request")
    public int n;

    /** The parameters, validated: a bad value is a usage error. */
    public SamplingParams params() {
        SamplingParams p = SamplingParams.builder().maxTokens(maxTokens).temperature(temperature).topP(topP).topK(topK)
            .minP(minP).repetitionPenalty(repetitionPenalty).presencePenalty(presencePenalty)
            .frequencyPenalty(frequencyPenalty).seed(seed).stop(stopStrings()).n(n).build();
        try {
            return p.validate();
        } catch (LingException e) {
            throw new ExitCodes.CommandException(ExitCodes.USAGE, "invalid sampling option: " + e.getMessage());
        }
    }

    /** As OpenAI request fields (the defaults a Spark job's rows override); the seed is not among them. */
    public Map<String, Object> asRequestFields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_tokens", maxTokens);
        m.put("temperature", temperature);
        m.put("top_p", topP);
        m.put("top_k", topK);
        m.put("min_p", minP);
        m.put("repetition_penalty", repetitionPenalty);
        m.put("presence_penalty", presencePenalty);
        m.put("frequency_penalty", frequencyPenalty);
        m.put("n", n);
        if (!stopStrings().isEmpty()) {
            m.put("stop", stopStrings());
        }
        return m;
    }

    private List<String> stopStrings() {
        return stop.stream().filter(s -> s != null && !s.isEmpty()).toList();
    }
}
