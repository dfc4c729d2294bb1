package io.lingspark.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.cli.ChatCommand;
import io.lingspark.engine.command.Cli;
import io.lingspark.engine.command.SamplingOptionsMixin;
import io.lingspark.jobs.generate.GenerateJob;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import org.junit.jupiter.api.Test;

/** Every command's --help (bin/lingspark's whole tree) shows each option's default once; --stop keeps commas. */
class HelpTest {
    @Test
    void everyOptionWithADefaultShowsIt() {
        CommandLine root = LingSparkCli.commandLine();
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
            String help = e.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                String def = o.defaultValue();
                if (def == null || o.usageHelp() || o.versionHelp() || o.hidden()) {
                    continue;
                }
                checked++;
                String shown = "Default: " + o.defaultValueString();
                int first = help.indexOf(shown);
                if (first < 0) {
                    missing.add(e.getKey() + " " + o.longestName() + " (" + shown + ")");
                }
            }
            assertFalse(help.contains("${DEFAULT-VALUE}"), e.getKey());
        }
        assertTrue(checked > 50, "options checked: " + checked);
        assertEquals(List.of(), missing);
        String chat = root.getSubcommands().get("chat").getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
        assertEquals(chat.indexOf("Default: 256"), chat.lastIndexOf("Default: 256"), "max-tokens' default once: " + chat);
    }

    @Test
    void labelAndEvalListTheGenerateOptionsTheyPassThrough() {
        CommandLine root = LingSparkCli.commandLine();
        String label = root.getSubcommands().get("label").getUsageMessage(CommandLine.Help.Ansi.OFF);
        String eval = root.getSubcommands().get("eval").getUsageMessage(CommandLine.Help.Ansi.OFF);
        String passed = "Options passed through to generate";
        assertTrue(label.contains(passed) && eval.contains(passed), label);
        String labelPassed = label.substring(label.indexOf(passed));
        String evalPassed = eval.substring(eval.indexOf(passed));
        for (String o : List.of("--input", "--output", "--resume", "--retry-errors", "--status-file", "--max-model-len",
            "--temperature", "--keep-columns")) {
            assertTrue(labelPassed.contains(o), "label passes " + o + " through: " + labelPassed);
        }
        assertFalse(labelPassed.contains("--prompt-column") || labelPassed.contains("--messages-column"), labelPassed);
        for (String o : List.of("--resume", "--status-file", "--max-model-len", "--run-id")) {
            assertTrue(evalPassed.contains(o), "eval passes " + o + " through");
        }
        // eval declares --model and --output itself and takes its documents from task files
        for (String o : List.of("--model=", "--output=", "--input=", "--keep-columns=")) {
            assertFalse(evalPassed.contains(o), "eval's section leaves out " + o + ": " + evalPassed);
        }
        assertTrue(evalPassed.contains("Default:"), "defaults shown");
    }

    @Test
    void chatAndGenerateShareTheirSamplingDefaults() {
        CommandLine chat = Cli.of(new ChatCommand());
        CommandLine generate = Cli.of(new GenerateJob());
        int shared = 0;
        for (OptionSpec o : chat.getCommandSpec().options()) {
            if (o.userObject() instanceof java.lang.reflect.Field f && f.getDeclaringClass() == SamplingOptionsMixin.class) {
                OptionSpec g = generate.getCommandSpec().findOption(o.longestName());
                assertEquals(o.defaultValue(), g.defaultValue(), o.longestName());
                shared++;
            }
        }
        assertTrue(shared >= 10, "sampling options compared: " + shared);
    }

    @Test
    void stopKeepsALiteralComma() {
        SamplingOptionsMixin m = new SamplingOptionsMixin();
        new CommandLine(new Holder(m)).parseArgs("--stop", "a,b", "--stop", "END");
        assertEquals(List.of("a,b", "END"), m.params().stop());
    }

    @CommandLine.Command(name = "holder")
    static final class Holder {
        @CommandLine.Mixin
        final SamplingOptionsMixin sampling;

        Holder(SamplingOptionsMixin sampling) {
            this.sampling = sampling;
        }
    }
}
