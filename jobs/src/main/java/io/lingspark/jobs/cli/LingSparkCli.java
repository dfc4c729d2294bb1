package io.lingspark.jobs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/lingspark}: one launcher, one subcommand per tool. Engine-only commands live in
 * {@code io.lingspark.engine.cli} (no Spark needed); Spark commands in this module.
 */
@Command(name = "lingspark", mixinStandardHelpOptions = true, version = "lingspark 0.1.0",
    description = "Run Ling models over datasets with Apache Spark.",
    subcommands = {
        CommandLine.HelpCommand.class,
        io.lingspark.engine.cli.LogitsCommand.class,
        io.lingspark.engine.cli.BenchCommand.class,
        io.lingspark.engine.cli.PromptCommand.class,
        io.lingspark.engine.cli.ChatCommand.class,
        io.lingspark.engine.cli.PlanCommand.class,
        io.lingspark.engine.cli.PrefixBenchCommand.class,
        io.lingspark.engine.cli.StructuredBenchCommand.class,
        io.lingspark.engine.cli.ScoreCommand.class,
        io.lingspark.engine.cli.ScoreBenchCommand.class,
        io.lingspark.jobs.generate.GenerateJob.class,
        io.lingspark.jobs.label.LabelCommand.class,
        io.lingspark.jobs.eval.EvalCommand.class,
        io.lingspark.jobs.demo.DemoCommand.class,
        io.lingspark.jobs.bench.JobBenchCommand.class,
    })
public final class LingSparkCli implements Runnable {
    @Override
    public void run() {
        commandLine().usage(System.out);
    }

    /** The launcher's command line: defaults shown, and label's and eval's help listing generate's options. */
    public static CommandLine commandLine() {
        CommandLine cl = io.lingspark.engine.command.Cli.of(new LingSparkCli());
        PassThroughHelp.add(cl.getSubcommands().get("label"), io.lingspark.jobs.label.LabelCommand.REFUSED);
        PassThroughHelp.add(cl.getSubcommands().get("eval"), io.lingspark.jobs.eval.EvalCommand.REFUSED);
        return cl;
    }

    public static void main(String[] args) {
        io.lingspark.jobs.generate.SparkConfDefaults.noSessionYet();
        System.exit(commandLine().execute(args));
    }
}
