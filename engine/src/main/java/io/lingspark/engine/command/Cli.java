package io.lingspark.engine.command;

import picocli.CommandLine;

/** How every {@code bin/lingspark} command line is made, so that all commands' help reads the same. */
public final class Cli {
    private Cli() {
    }

    /**
     * A command line for the command object, its subcommands included, whose --help shows every option's
     * default ("Default: ..." after the description, unless the description already places it).
     */
    public static CommandLine of(Object command) {
        CommandLine cl = new CommandLine(command);
        showDefaults(cl);
        return cl;
    }

    private static void showDefaults(CommandLine cl) {
        cl.getCommandSpec().usageMessage().showDefaultValues(true);
        cl.getSubcommands().values().forEach(Cli::showDefaults);
    }
}
