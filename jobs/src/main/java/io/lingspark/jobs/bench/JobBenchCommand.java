package io.lingspark.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.cli.ExitCodes;
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
import io.lingspark.jobs.generate.GenerateJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lingspark job-bench}: the Spark job's overhead over the bare engine. The same prompts (greedy,
 * ignore_eos, so both generate exactly the same number of tokens) go through the engine directly,
 * all submitted at once, and through {@code generate} in an embedded local Spark on the CPU backend.
 * Prints JSON: both wall times (each including its model load; the job's also its input scan, count,
 * Parquet write and summary read-back, but not the SparkSession start, reported apart) and the overhead
 * against the faster of two direct runs (one before the job, one after).
 */
@Command(name = "job-bench", mixinStandardHelpOptions = true,
    description = "Wall time of the generate job vs. the engine alone on the same prompts (CPU, local Spark); JSON out.")
public final class JobBenchCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "bench-small", description = "random-weight model shape (Presets)")
    String preset;

    @Option(names = "--prompts", defaultValue = "64")
    int prompts;

    @Option(names = "--max-tokens", defaultValue = "32")
    int maxTokens;

    @Option(names = "--work-dir", description = "default: a temporary folder")
    Path workDir;

    @Override
    public Integer call() {
        return ExitCodes.run("job-bench", System.err, this::execute);
    }

    private int execute() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("lingspark-job-bench");
        Path model = work.resolve("model-" + preset);
        if (!Files.isRegularFile(model.resolve("model.safetensors"))) {
            int size = TokenizerWriter.write(model);
            LingConfig.Builder b = Presets.builder(preset);
            b.vocabSize = Math.max(b.vocabSize, (size + 63) / 64 * 64);
            b.eosTokenIds = TokenizerWriter.eosIds(model);
            b.padTokenId = b.eosTokenIds[0];
            RandomCheckpoint.write(model, b.build(), 3);
        }
        ObjectMapper om = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            String text = "Prompt number " + i + ": tell me something about the number " + (i * 7 + 3) + ".";
            texts.add(text);
            ObjectNode row = om.createObjectNode().put("id", "b" + i).put("prompt", text);
            row.putObject("params").put("ignore_eos", true);
            lines.add(om.writeValueAsString(row));
        }
        Path input = work.resolve("bench.jsonl");
        Files.write(input, lines);

        SamplingParams p = SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).build();
        double[] direct = runDirect(model, texts, p);

        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        long t1 = System.nanoTime();
        GenerateJob job = new GenerateJob();
        int code = new CommandLine(job).execute("--model", model.toString(), "--input", input.toString(),
            "--output", work.resolve("out").toString(), "--overwrite", "--device", "cpu", "--temperature", "0",
            "--max-tokens", Integer.toString(maxTokens), "--max-in-flight", Integer.toString(prompts));
        double jobTotalS = (System.nanoTime() - t1) / 1e9;
        if (code != 0) {
            return code;
        }
        double jobS = job.result().summary().wallS();
        // The engine alone again, now that the JIT is warm: the job must not look good only
        // because the first direct run paid the warm-up.
        double[] warm = runDirect(model, texts, p);
        double directS = Math.min(direct[0], warm[0]);
        ObjectNode out = om.createObjectNode();
        out.put("preset", preset);
        out.put("prompts", prompts);
        out.put("max_tokens", maxTokens);
        out.put("direct_tokens", (long) direct[1]);
        out.put("job_tokens", job.result().summary().tokensOut());
        out.put("direct_first_s", round(direct[0]));
        out.put("direct_again_s", round(warm[0]));
        out.put("direct_s", round(directS));
        out.put("job_s", round(jobS));
        // Spark's fixed part (a fresh JVM's first queries: input scan, count) vs the streaming part.
        out.put("job_prepare_s", round(job.result().prepS()));
        out.put("job_generate_and_write_s", round(jobS - job.result().prepS()));
        out.put("job_with_session_start_s", round(jobTotalS));
        out.put("overhead_pct", round((jobS / directS - 1) * 100));
        out.put("generate_and_write_overhead_pct", round(((jobS - job.result().prepS()) / directS - 1) * 100));
        out.put("overhead_with_session_start_pct", round((jobTotalS / directS - 1) * 100));
        out.put("cores", Runtime.getRuntime().availableProcessors());
        System.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        return 0;
    }

    /** All prompts submitted at once to a fresh engine; returns {seconds incl. load, completion tokens}. */
    private static double[] runDirect(Path model, List<String> texts, SamplingParams p) throws Exception {
        long t0 = System.nanoTime();
        long tokens = 0;
        try (Engine e = LingEngine.open(EngineOptions.of(model))) {
            List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                fs.add(e.submit(GenerationRequest.ofPrompt("b" + i, texts.get(i), p)));
            }
            for (CompletableFuture<GenerationResult> f : fs) {
                tokens += f.get().completionTokens();
            }
        }
        return new double[] {(System.nanoTime() - t0) / 1e9, tokens};
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
