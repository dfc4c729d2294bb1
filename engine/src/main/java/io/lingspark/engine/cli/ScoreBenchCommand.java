package io.lingspark.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.config.LingConfig;
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
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lingspark bench-score}: multiple-choice scoring against a plain prefill of the same context,
 * through the whole engine, one document at a time (latency) or all at once (--concurrent:
 * throughput). Each document is a --context-len context of its own (nothing shared between documents)
 * and --choices continuations of --continuation-len tokens; "prefill" is one generation request of
 * max_tokens 1 over an equally long context of its own (its prefill and one token), "score" one
 * scoring request with all the choices. --sides picks which run (both alternate document by document;
 * run each side in fresh JVMs, alternating, to compare builds or modes on a noisy machine). Prints
 * JSON: milliseconds per document (the median one at a time; wall over documents concurrently) and
 * tokens computed per document.
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

    @Option(names = "--concurrent", description = "submit every document of a side at once (per document: wall / documents) "
        + "instead of one at a time (per document: the median)")
    boolean concurrent;

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
            long[] tokens = new long[2]; // prefill, score: tokens computed in the timed documents
            int[] errors = new int[1];
            // each side reads contexts of its own, so neither finds the other's in the prefix cache
            List<Runnable> warm = new ArrayList<>();
            List<java.util.function.Supplier<CompletableFuture<Boolean>>> prefills = new ArrayList<>();
            List<java.util.function.Supplier<CompletableFuture<Boolean>>> scores = new ArrayList<>();
            for (int doc = -warmup; doc < documents; doc++) {
                int[] a = context(rnd, config.vocabSize);
                int[] b = context(rnd, config.vocabSize);
                List<int[]> conts = new ArrayList<>();
                for (int c = 0; c < choices; c++) {
                    conts.add(rnd.ints(continuationLen, 10, config.vocabSize - 10).toArray());
                }
                String id = "d" + doc;
                java.util.function.Supplier<CompletableFuture<Boolean>> p = () -> e.submit(GenerationRequest.ofIds(id, a, one))
                    .thenApply(GenerationResult::ok);
                java.util.function.Supplier<CompletableFuture<Boolean>> q = () -> e.score(ScoringRequest.ofIds(id, b, conts))
                    .thenApply(ScoringResult::ok);
                if (doc < 0) {
                    warm.add(() -> {
                        errors[0] += (prefill && !p.get().join() ? 1 : 0) + (score && !q.get().join() ? 1 : 0);
                    });
                } else {
                    prefills.add(p);
                    scores.add(q);
                }
            }
            warm.forEach(Runnable::run);
            if (concurrent) {
                // every document of a side submitted at once: the batch an evaluation job keeps full
                if (prefill) {
                    prefillMs.add(all(e, prefills, tokens, 0, errors) / documents);
                }
                if (score) {
                    scoreMs.add(all(e, scores, tokens, 1, errors) / documents);
                }
            } else {
                for (int doc = 0; doc < documents; doc++) { // one document at a time, the sides alternating
                    if (prefill) {
                        prefillMs.add(all(e, prefills.subList(doc, doc + 1), tokens, 0, errors));
                    }
                    if (score) {
                        scoreMs.add(all(e, scores.subList(doc, doc + 1), tokens, 1, errors));
                    }
                }
            }
            long prefillTokens = tokens[0];
            long scoreTokens = tokens[1];
            ObjectNode out = new ObjectMapper().createObjectNode();
            out.put("preset", preset);
            out.put("documents", documents);
            out.put("context_len", contextLen);
            out.put("choices", choices);
            out.put("continuation_len", continuationLen);
            out.put("prefix_cache", o.prefixCaching());
            out.put("concurrent", concurrent);
            out.put("errors", errors[0]);
            if (prefill) {
                out.put("prefill_ms_per_document", round(median(prefillMs), 1));
                out.put("prefill_tokens_per_document", prefillTokens / documents);
            }
            if (score) {
                out.put("score_ms_per_document", round(median(scoreMs), 1));
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
            return errors[0] == 0 ? 0 : 1;
        }
    }

    /** Submits the requests at once and waits for all: wall milliseconds; adds the tokens computed and the errors. */
    private static double all(LingEngine e, List<java.util.function.Supplier<CompletableFuture<Boolean>>> requests, long[] tokens,
                              int side, int[] errors) {
        long before = e.stats().prefillTokens();
        long s = System.nanoTime();
        List<CompletableFuture<Boolean>> fs = new ArrayList<>();
        for (var r : requests) {
            fs.add(r.get());
        }
        for (CompletableFuture<Boolean> f : fs) {
            errors[0] += f.join() ? 0 : 1;
        }
        double ms = (System.nanoTime() - s) / 1e6;
        tokens[side] += e.stats().prefillTokens() - before;
        return ms;
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
