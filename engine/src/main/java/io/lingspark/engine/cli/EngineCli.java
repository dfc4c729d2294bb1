package io.lingspark.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The engine's commands without Spark on the classpath: what a GPU machine with only the engine jar
 * (tools/gpu-bundle.sh) runs. {@code bin/lingspark} offers the same commands next to the Spark jobs.
 */
@Command(name = "lingspark-engine", mixinStandardHelpOptions = true, version = "lingspark 0.1.0",
    description = "The Ling engine's commands (no Spark).",
    subcommands = {CommandLine.HelpCommand.class, LogitsCommand.class, BenchCommand.class, PromptCommand.class, ChatCommand.class,
        PlanCommand.class, PrefixBenchCommand.class, StructuredBenchCommand.class, ScoreCommand.class, ScoreBenchCommand.class})
public final class EngineCli implements Runnable {
    @Override
    public void run() {
        io.lingspark.engine.command.Cli.of(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(io.lingspark.engine.command.Cli.of(new EngineCli()).execute(args));
    }
}
