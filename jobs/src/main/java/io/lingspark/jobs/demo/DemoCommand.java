package io.lingspark.jobs.demo;

import io.lingspark.engine.command.ExitCodes;
import io.lingspark.jobs.generate.GenerateJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lingspark demo}: the whole product in one command, with nothing to download. Writes a small
 * random-weight Ling model and its tokenizer ({@link DemoModel}), then runs {@code generate} on
 * examples/prompts.jsonl with an embedded local Spark, and prints the summary and the output path.
 * The texts are meaningless (random weights); the pipeline is the real one.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Generate a tiny random Ling model and run the Spark generate job on the example prompts (local mode).")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--work-dir", description = "where the model and the output go (default: <tmp>/lingspark-demo)")
    Path workDir;

    @Option(names = "--input", description = "prompts (default: examples/prompts.jsonl of the LingSpark checkout)")
    Path input;

    @Option(names = "--max-tokens", defaultValue = "32")
    int maxTokens;

    @Override
    public Integer call() {
        return ExitCodes.run("demo", System.err, this::execute);
    }

    private int execute() throws Exception {
        Path work = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"), "lingspark-demo");
        Path in = input != null ? input : examples().resolve("prompts.jsonl");
        if (!Files.isRegularFile(in)) {
            throw new ExitCodes.CommandException(ExitCodes.INPUT, "no input at " + in + " (pass --input)");
        }
        Path model = work.resolve("model");
        if (!Files.isRegularFile(model.resolve("model.safetensors"))) {
            long t0 = System.nanoTime();
            DemoModel.write(model, 42);
            System.out.printf("demo: wrote a random-weight Ling model to %s in %.1f s%n", model, (System.nanoTime() - t0) / 1e9);
        }
        Path output = work.resolve("output");
        // Embedded local Spark: no UI and loopback only, so the demo runs on locked-down machines too.
        System.setProperty("spark.ui.enabled", System.getProperty("spark.ui.enabled", "false"));
        System.setProperty("spark.driver.host", System.getProperty("spark.driver.host", "127.0.0.1"));
        System.setProperty("spark.driver.bindAddress", System.getProperty("spark.driver.bindAddress", "127.0.0.1"));
        List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--input", in.toString(),
            "--output", output.toString(), "--overwrite", "--device", "cpu", "--max-tokens", Integer.toString(maxTokens),
            "--temperature", "0.8", "--seed", "42", "--keep-columns", "topic",
            "--status-file", work.resolve("status.json").toString()));
        int code = new CommandLine(new GenerateJob()).execute(args.toArray(String[]::new));
        if (code == 0) {
            System.out.println("demo: output (Parquet, zstd) in " + output + "  status: " + work.resolve("status.json"));
            System.out.println("demo: random weights give meaningless text; run a real checkpoint with "
                + "bin/lingspark generate --model <dir> --input <file> --output <dir>");
        }
        return code;
    }

    /** examples/ of the checkout: bin/lingspark passes -Dlingspark.home; else the working directory. */
    static Path examples() {
        String home = System.getProperty("lingspark.home");
        return (home != null ? Path.of(home) : Path.of("")).toAbsolutePath().resolve("examples");
    }
}
