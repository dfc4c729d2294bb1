package io.lingspark.jobs.eval;

import io.lingspark.engine.command.Cli;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.jobs.generate.GenerateJob;
import io.lingspark.jobs.output.OutputFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code lingspark eval}: lm-evaluation-harness tasks over a Ling model on Spark. The documents are
 * one batch run ({@link EvalKind}, with every promise of generate: --resume, --retry-errors, the
 * status file, errors as rows); then, on the driver, the output's latest row per document is
 * aggregated per task into summary.json (and the HTML report, groups, a comparison).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"Evaluate a Ling model on lm-evaluation-harness task files on Spark: one output row per document, "
        + "summary.json in the output folder, optionally an HTML report and a comparison with an earlier output.",
        "Also takes the generate options for the output and the run: --output-format, --resume, --retry-errors, "
            + "--overwrite, --status-file, --device, --max-model-len, --pipeline-stages, --run-id, ... (all listed below)"})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face checkpoint directory (same path on every executor)")
    Path model;

    @Option(names = "--task", required = true, paramLabel = "FILE.yaml", description = "an lm-eval task file (repeatable)")
    List<Path> taskFiles;

    @Option(names = "--output", required = true, description = "output folder: the per-document rows and summary.json")
    String output;

    @Option(names = "--output-format", defaultValue = "parquet", description = "parquet (zstd) or jsonl")
    String outputFormat;

    @Option(names = "--limit", defaultValue = "0", description = "the first N documents of each task (0: all)")
    int limit;

    @Option(names = "--num-fewshot", description = "fewshot examples per document (default: each task's num_fewshot)")
    Integer numFewshot;

    @Option(names = "--report", paramLabel = "FILE.html", description = "also write the HTML report here")
    Path report;

    @Option(names = "--compare", paramLabel = "OTHER_OUTPUT", description = "an earlier eval output to compare with")
    String compare;

    @Option(names = "--compare-format", defaultValue = "parquet", description = "--compare's output format")
    String compareFormat;

    @Option(names = "--group-by", paramLabel = "COLUMN", description = "also summarise per value of this document column "
        + "(the tasks whose documents have it; a warning names the others)")
    String groupBy;

    @Option(names = "--bootstrap-iters", defaultValue = "" + Aggregator.LM_EVAL_BOOTSTRAP_ITERS,
        description = "resamples for the bootstrap standard errors (perplexity metrics; lm-eval's default)")
    int bootstrapIters;

    @Unmatched
    List<String> generateOptions = new ArrayList<>();

    private GenerateJob job;
    private EvalRun run;

    /** Input options of generate that make no sense here: the documents come from the task files. */
    public static final List<String> REFUSED = List.of("--input", "--input-format", "--prompt-column", "--messages-column",
        "--tools-column", "--params-column", "--id-column", "--keep-columns");

    @Override
    public Integer call() {
        List<TaskConfig> tasks = new ArrayList<>();
        OutputFormat outFmt;
        OutputFormat compareFmt;
        try {
            for (String o : generateOptions) {
                for (String n : REFUSED) {
                    if (o.equals(n) || o.startsWith(n + "=")) {
                        throw new IllegalArgumentException(n + " does not apply to eval: the documents come from the --task files");
                    }
                }
            }
            if (limit < 0 || bootstrapIters < 0 || (numFewshot != null && numFewshot < 0)) {
                throw new IllegalArgumentException("--limit, --num-fewshot and --bootstrap-iters must be >= 0");
            }
            outFmt = OutputFormat.parse(outputFormat);
            compareFmt = OutputFormat.parse(compareFormat);
        } catch (IllegalArgumentException e) {
            System.err.println("lingspark eval: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        try {
            for (Path f : taskFiles) {
                tasks.add(TaskConfig.load(f));
            }
        } catch (TaskConfigException e) {
            System.err.println("lingspark eval: " + e.getMessage());
            return ExitCodes.INPUT;
        }
        EvalKind kind = new EvalKind(tasks, numFewshot, limit, groupBy);
        List<String> args = new ArrayList<>(generateOptions);
        // generate requires an input; the eval kind reads its own (the task files), so this names them.
        args.addAll(List.of("--model", model.toString(), "--output", output, "--output-format", outputFormat,
            "--input", taskFiles.get(0).toString(), "--input-format", "jsonl"));
        job = new GenerateJob().as(kind);
        int code = Cli.of(job).execute(args.toArray(String[]::new));
        if (code != ExitCodes.OK && code != ExitCodes.ERROR_RATE) {
            return code; // nothing (or not everything) was written: no summary to make
        }
        return ExitCodes.run("eval", System.err, () -> {
            summarize(kind, outFmt, compareFmt);
            return code;
        });
    }

    /** The run's job (its result, for callers in the same JVM). */
    public GenerateJob job() {
        return job;
    }

    /** What summary.json and the report show, once call() has returned. */
    public EvalRun run() {
        return run;
    }

    private void summarize(EvalKind kind, OutputFormat outFmt, OutputFormat compareFmt) throws IOException {
        // A run of its own Spark session stops it at the end; the summary then needs one again.
        boolean own = !live(SparkSession.getActiveSession()) && !live(SparkSession.getDefaultSession());
        SparkSession.Builder b = SparkSession.builder().appName("lingspark-eval-summary");
        if (own && !new org.apache.spark.SparkConf(true).contains("spark.master")) {
            b.master("local[*]").config("spark.ui.enabled", "false");
        }
        SparkSession spark = b.getOrCreate();
        try {
            EvalResults.Output results = EvalResults.read(spark, output, outFmt);
            EvalResults.Output earlier = compare == null ? null : EvalResults.read(spark, compare, compareFmt);
            run = EvalReport.build(kind, results, earlier, compare, groupBy, bootstrapIters, model.toString(), settings());
            org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(output, "summary.json");
            FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (FSDataOutputStream o = fs.create(target, true)) {
                o.write(EvalSummary.toJson(run).getBytes(StandardCharsets.UTF_8));
            }
            if (report != null) {
                io.lingspark.jobs.report.HtmlReport.write(run, report);
            }
            System.out.println("eval summary: " + target + (report != null ? ", report: " + report : ""));
        } finally {
            if (own) {
                spark.stop();
            }
        }
    }

    private static boolean live(scala.Option<SparkSession> s) {
        return s.isDefined() && !s.get().sparkContext().isStopped();
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("num_fewshot", numFewshot == null ? "task default" : numFewshot);
        s.put("limit", limit == 0 ? "none" : limit);
        s.put("bootstrap_iters", bootstrapIters);
        s.put("fewshot_seed", 1234);
        return s;
    }
}
