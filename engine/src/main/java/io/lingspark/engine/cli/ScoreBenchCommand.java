package io.lingspark.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.runtime.ScoringRequest;
import io.lingspark.engine.runtime.ScoringResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lingspark bench-score}: multiple-choice scoring against a plain prefill of the same context,
 * one document at a time through the whole engine. Each document is a --context-len context of its
 * own (nothing shared between documents) and --choices continuations of --continuation-len tokens;
 * "prefill" is one generation request of max_tokens 1 over an equally long context of its own (its
 * prefill and one token), "score" one scoring request with all the choices. --sides picks which run
 * (both alternate document by document; run each side in fresh JVMs, alternating, to compare builds or
 * modes on a noisy machine). Prints JSON with the per-document medians.
 */
@Command(name = "bench-score", mixinStandardHelpOptions = true,
    description = "Measure multiple-choice scoring per document against one prefill of the same context; prints JSON.")
public final class ScoreBenchCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "bench-small", description = "shape preset: ${COMPLETION-CANDIDATES}",
        completionCandidates = BenchCommand.PresetNames.class)
    String preset;

    @Option(names = "--dir", description = "where the preset's random checkpoint is written once and reused "
        + "(default: <tmp>/lingspark-bench-<preset>)")
    Path dir;

    @Option(names = "--documents", defaultValue = "12")
    int documents;

    @Option(names = "--context-len", defaultValue = "256")
    int contextLen;

    @Option(names = "--choices", defaultValue = "4")
    int choices;

    @Option(names = "--continuation-len", defaultValue = "1", description = "tokens of each choice (1: a letter, as MMLU)")
    int continuationLen;

    @Option(names = "--sides", defaultValue = "both", description = "prefill, score or both")
    String sides;

    @Option(names = "--warmup", defaultValue = "3", description = "documents of each side run first, untimed (the JIT)")
    int warmup;

    @Mixin
    EngineOptionsMixin engine = new EngineOptionsMixin();

    @Override
    public Integer call() {
        return ExitCodes.run("bench-score", System.err, this::execute);
    }

    private int execute() {
        EngineOptionsMixin.usage(sides.matches("prefill|score|both"), "--sides must be prefill, score or both");
        EngineOptionsMixin.usage(documents >= 1 && contextLen >= 1 && choices >= 1 && continuationLen >= 1 && warmup >= 0,
            "--documents, --context-len, --choices and --continuation-len must be >= 1, --warmup >= 0");
        Path d = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"), "lingspark-bench-" + preset);
        LingConfig config = PrefixBenchCommand.checkpoint(d, preset);
        EngineOptions o = engine.options(d);
        boolean prefill = !sides.equals("score");
        boolean score = !sides.equals("prefill");
        SplittableRandom rnd = new SplittableRandom(11);
        SamplingParams one = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(1).build();
        long t0 = System.nanoTime();
        try (LingEngine e = LingEngine.open(o)) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            List<Double> prefillMs = new ArrayList<>();
            List<Double> scoreMs = new ArrayList<>();
            long prefillTokens = 0;
            long scoreTokens = 0;
            int errors = 0;
            for (int doc = -warmup; doc < documents; doc++) {
                // each side reads a context of its own, so neither finds the other's in the prefix cache
                int[] a = context(rnd, config.vocabSize);
                int[] b = context(rnd, config.vocabSize);
                if (prefill) {
                    Engine.EngineStats before = e.stats();
                    long s = System.nanoTime();
                    GenerationResult r = e.submit(GenerationRequest.ofIds("p" + doc, a, one)).join();
                    double ms = (System.nanoTime() - s) / 1e6;
                    errors += r.ok() ? 0 : 1;
                    if (doc >= 0) {
                        prefillMs.add(ms);
                        prefillTokens += e.stats().prefillTokens() - before.prefillTokens();
                    }
                }
                if (score) {
                    List<int[]> conts = new ArrayList<>();
                    for (int c = 0; c < choices; c++) {
                        conts.add(rnd.ints(continuationLen, 10, config.vocabSize - 10).toArray());
                    }
                    Engine.EngineStats before = e.stats();
                    long s = System.nanoTime();
                    ScoringResult r = e.score(ScoringRequest.ofIds("s" + doc, b, conts)).join();
                    double ms = (System.nanoTime() - s) / 1e6;
                    errors += r.ok() ? 0 : 1;
                    if (doc >= 0) {
                        scoreMs.add(ms);
                        scoreTokens += e.stats().prefillTokens() - before.prefillTokens();
                    }
                }
            }
            ObjectNode out = new ObjectMapper().createObjectNode();
            out.put("preset", preset);
            out.put("documents", documents);
            out.put("context_len", contextLen);
            out.put("choices", choices);
            out.put("continuation_len", continuationLen);
            out.put("prefix_cache", o.prefixCaching());
            out.put("errors", errors);
            if (prefill) {
                out.put("prefill_ms_median", round(median(prefillMs), 1));
                out.put("prefill_tokens_per_document", prefillTokens / documents);
            }
            if (score) {
                out.put("score_ms_median", round(median(scoreMs), 1));
                out.put("score_tokens_per_document", scoreTokens / documents);
                out.put("tokens_without_sharing", (long) choices * (contextLen + continuationLen - 1));
            }
            if (prefill && score) {
                out.put("score_over_prefill", round(median(scoreMs) / median(prefillMs), 3));
            }
            out.put("max_batch_tokens", o.maxBatchTokens());
            out.put("load_s", round(loadS, 2));
            out.put("backend", e.memoryPlan().toString());
            out.put("machine", Machine.describe());
            System.out.println(out);
            return errors == 0 ? 0 : 1;
        }
    }

    private int[] context(SplittableRandom rnd, int vocab) {
        return rnd.ints(contextLen, 10, vocab - 10).toArray();
    }

    static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
