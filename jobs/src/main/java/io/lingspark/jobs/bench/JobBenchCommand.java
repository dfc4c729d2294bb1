package io.lingspark.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.lingspark.jobs.generate.GenerateJob;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lingspark job-bench}: the Spark job's overhead over the bare engine, as a user meets it.
 * Each trial is a fresh JVM (same java, JVM flags and classpath as this one) that either runs the
 * engine directly on the prompts (all submitted at once) or runs {@code generate} on the same
 * prompts in an embedded local Spark on the CPU backend; both use greedy sampling with ignore_eos,
 * so they generate exactly the same tokens. Trials alternate (engine, job, engine, job, ...) so
 * machine drift hits both alike, and the overhead is the ratio of the medians of the process wall
 * times: JVM start, model load, Spark session, input scan, generation, Parquet write, summary.
 */
@Command(name = "job-bench", mixinStandardHelpOptions = true,
    description = "Wall time of the generate job vs. the engine alone on the same prompts (CPU, local Spark, "
        + "fresh JVMs, alternating trials); JSON out.")
public final class JobBenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--preset", defaultValue = "bench-small", description = "random-weight model shape (Presets)")
    String preset;

    @Option(names = "--prompts", defaultValue = "64")
    int prompts;

    @Option(names = "--max-tokens", defaultValue = "64")
    int maxTokens;

    @Option(names = "--trials", defaultValue = "3", description = "trials of each side (alternating)")
    int trials;

    @Option(names = "--work-dir", description = "default: a temporary folder")
    Path workDir;

    @Option(names = "--child", hidden = true, description = "direct | job: one trial in this JVM")
    String child;

    @Override
    public Integer call() {
        return ExitCodes.run("job-bench", System.err, this::execute);
    }

    private int execute() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("lingspark-job-bench");
        Path model = work.resolve("model-" + preset);
        Path input = work.resolve("bench-" + prompts + ".jsonl");
        if ("direct".equals(child)) {
            return direct(model);
        }
        if ("job".equals(child)) {
            return job(model, input, work);
        }
        prepare(model, input);
        ArrayNode directRuns = JSON.createArrayNode();
        ArrayNode jobRuns = JSON.createArrayNode();
        for (int t = 0; t < trials; t++) {
            directRuns.add(trial("direct", work));
            jobRuns.add(trial("job", work));
        }
        double directS = median(directRuns, "process_s");
        double jobS = median(jobRuns, "process_s");
        ObjectNode out = JSON.createObjectNode();
        out.put("preset", preset);
        out.put("prompts", prompts);
        out.put("max_tokens", maxTokens);
        out.put("trials", trials);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("direct_s", round(directS));
        out.put("job_s", round(jobS));
        out.put("overhead_pct", round((jobS / directS - 1) * 100));
        // Where the job's extra time goes (medians): the part before generation starts (Spark
        // session, input scan, output checks, planning) is fixed; the rest grows with the work.
        double fixed = median(jobRuns, "session_s") + median(jobRuns, "prepare_s");
        out.put("job_fixed_s", round(fixed));
        out.put("generate_overhead_pct", round(((jobS - fixed) / directS - 1) * 100));
        out.set("direct_runs", directRuns);
        out.set("job_runs", jobRuns);
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        return 0;
    }

    private void prepare(Path model, Path input) throws Exception {
        if (!Files.isRegularFile(model.resolve("model.safetensors"))) {
            int size = TokenizerWriter.write(model);
            LingConfig.Builder b = Presets.builder(preset);
            b.vocabSize = Math.max(b.vocabSize, (size + 63) / 64 * 64);
            b.eosTokenIds = TokenizerWriter.eosIds(model);
            b.padTokenId = b.eosTokenIds[0];
            RandomCheckpoint.write(model, b.build(), 3);
        }
        List<String> lines = new ArrayList<>();
        for (String text : texts(prompts)) {
            ObjectNode row = JSON.createObjectNode().put("id", "b" + lines.size()).put("prompt", text);
            row.putObject("params").put("ignore_eos", true);
            lines.add(JSON.writeValueAsString(row));
        }
        Files.write(input, lines);
    }

    private static List<String> texts(int n) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add("Prompt number " + i + ": tell me something about the number " + (i * 7 + 3) + ".");
        }
        return texts;
    }

    /** Runs one trial in a fresh JVM; returns its JSON line plus the process wall time. */
    private ObjectNode trial(String mode, Path work) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-XX:ArchiveClassesAtExit") && !a.startsWith("-agentlib") && !a.startsWith("-Xlog")) {
                cmd.add(a); // the same flags (module opens, Vector API, a CDS archive) as this JVM
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.lingspark.jobs.cli.LingSparkCli",
            "job-bench", "--child", mode, "--preset", preset, "--prompts", Integer.toString(prompts),
            "--max-tokens", Integer.toString(maxTokens), "--work-dir", work.toString()));
        Path log = work.resolve(mode + "-trial.log");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        int code = p.waitFor();
        double s = (System.nanoTime() - t0) / 1e9;
        List<String> lines = new String(stdout, StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{")).toList();
        if (code != 0 || lines.isEmpty()) {
            throw new IllegalStateException(mode + " trial failed (exit " + code + "); see " + log);
        }
        ObjectNode r = (ObjectNode) JSON.readTree(lines.get(lines.size() - 1));
        r.put("process_s", round(s));
        System.err.println("job-bench: " + mode + " trial " + r);
        return r;
    }

    /** Child: all prompts submitted at once to a fresh engine. */
    private int direct(Path model) throws Exception {
        long t0 = System.nanoTime();
        long tokens = 0;
        SamplingParams p = SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).build();
        try (Engine e = LingEngine.open(EngineOptions.of(model))) {
            List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
            List<String> texts = texts(prompts);
            for (int i = 0; i < texts.size(); i++) {
                fs.add(e.submit(GenerationRequest.ofPrompt("b" + i, texts.get(i), p)));
            }
            for (CompletableFuture<GenerationResult> f : fs) {
                tokens += f.get().completionTokens();
            }
        }
        ObjectNode r = JSON.createObjectNode().put("tokens", tokens).put("run_s", round((System.nanoTime() - t0) / 1e9));
        System.out.println(JSON.writeValueAsString(r));
        return 0;
    }

    /** Child: the generate job on the same prompts, as bin/lingspark runs it (embedded local Spark). */
    private int job(Path model, Path input, Path work) throws Exception {
        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        long t0 = System.nanoTime();
        GenerateJob job = new GenerateJob();
        int code = new CommandLine(job).execute("--model", model.toString(), "--input", input.toString(),
            "--output", work.resolve("out").toString(), "--overwrite", "--device", "cpu", "--temperature", "0",
            "--max-tokens", Integer.toString(maxTokens), "--max-in-flight", Integer.toString(prompts));
        double totalS = (System.nanoTime() - t0) / 1e9;
        if (code != 0) {
            return code;
        }
        double runS = job.result().summary().wallS();
        ObjectNode r = JSON.createObjectNode().put("tokens", job.result().summary().tokensOut())
            .put("run_s", round(totalS))
            .put("session_s", round(totalS - runS)) // SparkSession start and stop
            .put("prepare_s", round(job.result().prepS()))
            .put("generate_and_write_s", round(runS - job.result().prepS()));
        System.out.println(JSON.writeValueAsString(r));
        return 0;
    }

    private static double median(ArrayNode runs, String field) {
        double[] v = new double[runs.size()];
        int i = 0;
        for (JsonNode r : runs) {
            v[i++] = r.get(field).asDouble();
        }
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
