package io.lingspark.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.model.RandomCheckpoint;
import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.tokenizer.TokenizerWriter;
import java.nio.file.Files;
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
 * {@code lingspark bench-prefix}: a labeling-style batch through the whole engine (scheduler, cache
 * manager, model runner): --requests prompts of a --prefix-len prefix and a --tail-len tail of their
 * own, greedy, --max-tokens each, all submitted at once. With --sharing shared every prompt has the
 * same prefix; with none every prefix differs (prefix caching's overhead when nothing is shared).
 * Run it with and without --no-prefix-cache, side by side. The random-weight checkpoint of the preset
 * is written to --dir once (in the Hugging Face layout, loaded like a published one). Prints JSON.
 */
@Command(name = "bench-prefix", mixinStandardHelpOptions = true,
    description = "Measure a batch of prompts sharing a prefix through the engine, with or without the prefix cache; prints JSON.")
public final class PrefixBenchCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "bench-small", description = "shape preset: ${COMPLETION-CANDIDATES}",
        completionCandidates = BenchCommand.PresetNames.class)
    String preset;

    @Option(names = "--dir", description = "where the preset's random checkpoint is written once and reused "
        + "(default: <tmp>/lingspark-bench-<preset>)")
    Path dir;

    @Option(names = "--requests", defaultValue = "256")
    int requests;

    @Option(names = "--prefix-len", defaultValue = "1024")
    int prefixLen;

    @Option(names = "--tail-len", defaultValue = "32")
    int tailLen;

    @Option(names = "--max-tokens", defaultValue = "16")
    int maxTokens;

    @Option(names = "--sharing", defaultValue = "shared", description = "shared (one prefix for all) or none")
    String sharing;

    @Mixin
    EngineOptionsMixin engine = new EngineOptionsMixin();

    @Override
    public Integer call() {
        return ExitCodes.run("bench-prefix", System.err, this::execute);
    }

    private int execute() {
        EngineOptionsMixin.usage(sharing.equals("shared") || sharing.equals("none"), "--sharing must be shared or none");
        EngineOptionsMixin.usage(requests >= 1 && prefixLen >= 0 && tailLen >= 1 && maxTokens >= 1,
            "--requests, --tail-len and --max-tokens must be >= 1, --prefix-len >= 0");
        Path d = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"), "lingspark-bench-" + preset);
        LingConfig config = checkpoint(d, preset);
        EngineOptions o = engine.options(d);
        List<int[]> prompts = prompts(config.vocabSize, sharing.equals("shared"));
        SamplingParams p = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(maxTokens).build();
        long t0 = System.nanoTime();
        try (LingEngine e = LingEngine.open(o)) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            // JIT warm-up on prompts of their own (nothing they cache is shared with the timed ones).
            SplittableRandom wr = new SplittableRandom(99);
            List<CompletableFuture<GenerationResult>> warm = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                warm.add(e.submit(GenerationRequest.ofIds("w" + i, wr.ints(200, 10, config.vocabSize - 10).toArray(), p)));
            }
            warm.forEach(CompletableFuture::join);
            Engine.EngineStats before = e.stats();
            long t1 = System.nanoTime();
            List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                fs.add(e.submit(GenerationRequest.ofIds("r" + i, prompts.get(i), p)));
            }
            long generated = 0;
            int errors = 0;
            for (CompletableFuture<GenerationResult> f : fs) {
                GenerationResult r = f.join();
                errors += r.ok() ? 0 : 1;
                generated += r.completionTokens();
            }
            double wall = (System.nanoTime() - t1) / 1e9;
            Engine.EngineStats after = e.stats();
            long prompt = after.choicePromptTokens() - before.choicePromptTokens();
            long cached = after.cachedPromptTokens() - before.cachedPromptTokens();
            long prefill = after.prefillTokens() - before.prefillTokens();
            ObjectNode out = new ObjectMapper().createObjectNode();
            out.put("preset", preset);
            out.put("prefix_cache", o.prefixCaching());
            out.put("sharing", sharing);
            out.put("requests", requests);
            out.put("prefix_len", prefixLen);
            out.put("tail_len", tailLen);
            out.put("max_tokens", maxTokens);
            out.put("errors", errors);
            out.put("wall_s", round(wall, 3));
            out.put("prompt_tokens", prompt);
            out.put("cached_prompt_tokens", cached);
            out.put("prefill_tokens_computed", prefill);
            out.put("prefix_cache_hit_rate", round(prompt == 0 ? 0 : (double) cached / prompt, 4));
            out.put("generated_tokens", generated);
            out.put("requests_per_s", round(requests / wall, 3));
            out.put("prompt_tokens_per_s", round(prompt / wall, 1));
            out.put("preemptions", after.preemptions() - before.preemptions());
            out.put("max_running", o.maxRunning());
            out.put("max_batch_tokens", o.maxBatchTokens());
            out.put("load_s", round(loadS, 2));
            out.put("backend", e.memoryPlan().toString());
            out.put("machine", Machine.describe());
            System.out.println(out);
            return errors == 0 ? 0 : 1;
        }
    }

    /** The prompts: a shared prefix (or one per request) and a tail per request, random ids away from the specials. */
    List<int[]> prompts(int vocab, boolean shared) {
        SplittableRandom r = new SplittableRandom(7);
        int[] common = r.ints(prefixLen, 10, vocab - 10).toArray();
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            int[] prefix = shared ? common : r.ints(prefixLen, 10, vocab - 10).toArray();
            int[] ids = java.util.Arrays.copyOf(prefix, prefixLen + tailLen);
            System.arraycopy(r.ints(tailLen, 10, vocab - 10).toArray(), 0, ids, prefixLen, tailLen);
            out.add(ids);
        }
        return out;
    }

    /** Writes the preset's random-weight checkpoint and a tokenizer to dir unless one is there; returns its config. */
    static LingConfig checkpoint(Path dir, String preset) {
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            int size = TokenizerWriter.write(dir);
            LingConfig.Builder c = Presets.builder(preset);
            c.vocabSize = Math.max(c.vocabSize, (size + 63) / 64 * 64);
            c.eosTokenIds = TokenizerWriter.eosIds(dir);
            c.padTokenId = c.eosTokenIds[0];
            RandomCheckpoint.write(dir, c.build(), 3);
        }
        return LingConfig.fromDirectory(dir);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
