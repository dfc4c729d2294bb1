package io.lingspark.jobs.label;

import io.lingspark.engine.command.Cli;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.jobs.generate.GenerateJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code lingspark label}: a label per row of a dataset, with the labels' probabilities. Every option
 * of {@code generate} for input, output and the run (--model, --input, --output, --output-format,
 * --resume, --retry-errors, --overwrite, --status-file, --limit, --device, --pipeline-stages,
 * --keep-columns, --id-column, ...) applies unchanged, with the same batch promises; the options here
 * say what to label.
 */
@Command(name = "label", mixinStandardHelpOptions = true,
    description = {"Label every row of a dataset with a Ling model on Spark: each label is scored as the model's "
        + "answer (or generated under a choice constraint), with probabilities normalised over the labels.",
        "Also takes every generate option for input, output and the run: --model, --input, --output, --resume, "
            + "--retry-errors, --overwrite, --status-file, --limit, --device, --pipeline-stages, --keep-columns, ... "
            + "(all listed below)"})
public final class LabelCommand implements Callable<Integer> {
    @Option(names = "--text-column", defaultValue = "text", description = "the column with the text to label")
    String textColumn;

    @Option(names = "--labels", split = ",", paramLabel = "A,B,...", description = "the labels (or --labels-file)")
    List<String> labels;

    @Option(names = "--labels-file", paramLabel = "FILE", description = "labels with descriptions: JSON {label: description} "
        + "or [labels], or text lines 'label: description'")
    Path labelsFile;

    @Option(names = "--instruction", description = "the system message (default: asks for one of the labels, listing them "
        + "with their descriptions)")
    String instruction;

    @Option(names = "--few-shot", paramLabel = "FILE", description = "JSONL examples {text, label} shown as earlier turns")
    Path fewShot;

    @Option(names = "--multi-label", description = "every label is a yes/no question; labels holds those over --threshold")
    boolean multiLabel;

    @Option(names = "--threshold", defaultValue = "0.5", description = "with --multi-label: the probability a label needs")
    double threshold;

    @Option(names = "--method", defaultValue = "score", description = "score (every label's probability) or generate "
        + "(one answer under a choice constraint: for large label sets; no probabilities)")
    String method;

    @Option(names = "--max-label-tokens", defaultValue = "32", description = "with --method generate: tokens the answer may take")
    int maxLabelTokens;

    @Unmatched
    List<String> generateOptions = new ArrayList<>();

    /** Options of generate that do not apply: the text comes from --text-column. */
    public static final List<String> REFUSED = List.of("--prompt-column", "--messages-column");

    private GenerateJob job;

    @Override
    public Integer call() {
        LabelKind kind;
        try {
            kind = kind();
        } catch (IllegalArgumentException e) {
            System.err.println("lingspark label: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        List<String> args = new ArrayList<>(generateOptions);
        args.add("--prompt-column");
        args.add(textColumn);
        job = new GenerateJob().as(kind);
        return Cli.of(job).execute(args.toArray(String[]::new));
    }

    /** The run's job (its result, for callers in the same JVM). */
    public GenerateJob job() {
        return job;
    }

    LabelKind kind() {
        if ((labels == null) == (labelsFile == null)) {
            throw new IllegalArgumentException("give the labels with exactly one of --labels and --labels-file");
        }
        for (String o : generateOptions) {
            if (REFUSED.stream().anyMatch(r -> o.equals(r) || o.startsWith(r + "="))) {
                throw new IllegalArgumentException("the text comes from --text-column; " + o + " does not apply to label");
            }
        }
        LabelSet set = labels != null ? LabelSet.of(labels) : LabelSet.read(labelsFile);
        LabelKind.Method m;
        try {
            m = LabelKind.Method.valueOf(method.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--method must be score or generate, got '" + method + "'");
        }
        if (multiLabel && m == LabelKind.Method.GENERATE) {
            throw new IllegalArgumentException("--multi-label needs --method score");
        }
        if (!(threshold > 0 && threshold < 1) || maxLabelTokens < 1) {
            throw new IllegalArgumentException("--threshold must be in (0, 1) and --max-label-tokens >= 1");
        }
        List<LabelPrompt.Example> shots = fewShot == null ? List.of() : LabelPrompt.readFewShot(fewShot, textColumn, set);
        if (!multiLabel && shots.stream().anyMatch(e -> e.labels().size() != 1)) {
            throw new IllegalArgumentException("a --few-shot example has several labels; that needs --multi-label");
        }
        String system = instruction != null ? instruction : LabelPrompt.defaultInstruction(set, multiLabel);
        return new LabelKind(new LabelPrompt(set, system, shots, multiLabel), m, threshold, maxLabelTokens);
    }
}
