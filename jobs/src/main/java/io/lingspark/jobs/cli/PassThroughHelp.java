package io.lingspark.jobs.cli;

import io.lingspark.engine.command.Cli;
import io.lingspark.jobs.generate.GenerateJob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The --help of a command that hands its unmatched options to {@code generate} (label, eval): a
 * section listing those options with generate's own descriptions and defaults, so the options a user
 * may pass are on the page instead of behind "...". Options the command declares itself, or refuses,
 * are left out.
 */
public final class PassThroughHelp {
    static final String SECTION = "generateOptions";

    private PassThroughHelp() {
    }

    /** Adds the section to the command's help, before the footer. */
    public static void add(CommandLine command, Collection<String> refused) {
        CommandSpec own = command.getCommandSpec();
        command.getHelpSectionMap().put(SECTION, help -> System.lineSeparator() + "Options passed through to generate "
            + "(descriptions and defaults as there):" + System.lineSeparator() + optionList(own, refused));
        List<String> keys = new ArrayList<>(command.getHelpSectionKeys());
        keys.add(keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER_HEADING), SECTION);
        command.setHelpSectionKeys(keys);
    }

    /** The options of generate that reach it from this command. */
    static List<OptionSpec> passedThrough(CommandSpec own, Collection<String> refused) {
        List<OptionSpec> out = new ArrayList<>();
        for (OptionSpec o : Cli.of(new GenerateJob()).getCommandSpec().options()) {
            boolean ownOrRefused = Arrays.stream(o.names()).anyMatch(n -> own.findOption(n) != null || refused.contains(n));
            if (!o.usageHelp() && !o.versionHelp() && !o.hidden() && !ownOrRefused) {
                out.add(o);
            }
        }
        return out;
    }

    private static String optionList(CommandSpec own, Collection<String> refused) {
        CommandSpec shown = CommandSpec.create();
        shown.usageMessage().showDefaultValues(true);
        for (OptionSpec o : passedThrough(own, refused)) {
            shown.addOption(OptionSpec.builder(o).build());
        }
        return new CommandLine(shown).getHelp().optionList();
    }
}
