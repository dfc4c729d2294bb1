package io.lingspark.jobs.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.command.ExitCodes.CommandException;
import io.lingspark.engine.command.SamplingOptionsMixin;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.runtime.LingException;
import io.lingspark.jobs.input.InputFormat;
import io.lingspark.jobs.input.InputSpec;
import io.lingspark.jobs.input.RequestParser;
import io.lingspark.jobs.output.OutputFormat;
import io.lingspark.jobs.output.ParsedColumn;
import io.lingspark.jobs.progress.StatusFile;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lingspark generate} and the spark-submit main class: batch generation over a dataset.
 * This class is the option set and the validation of it; {@link GenerateRun} does the Spark work.
 * Exit codes ({@link ExitCodes}): 0 ok, 2 usage, 3 model, 4 input, 5 output (also: another job holds
 * the output, a task could not write its rows), 6 error rate over --max-error-rate (after everything
 * was written), 1 anything else; every failure is one line on stderr ({@link Failures}).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, defaultValueProvider = SparkConfDefaults.class,
    description = {"Generate completions for every row of a dataset with a Ling model on Spark.",
        "Every option can also be set as spark.lingspark.<option> in the Spark configuration."})
public final class GenerateJob implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face checkpoint directory (same path on every executor)")
    Path model;

    @Option(names = "--model-name", description = "the output's model column and the OpenAI batch output's model "
        + "(default: the checkpoint directory's name)")
    String modelName;

    @Option(names = "--input", required = true, description = "input path or table name")
    String input;

    @Option(names = "--input-format", description = "parquet, jsonl, csv, openai-batch or table (default: from the extension)")
    String inputFormat;

    @Option(names = "--output", required = true, description = "output folder (runs are run_id=<id> partitions)")
    String output;

    @Option(names = "--output-format", defaultValue = "parquet", description = "parquet (zstd) or jsonl")
    String outputFormat;

    @Option(names = "--id-column", description = "column with the row id (default: id when present, else a hash of the request)")
    String idColumn;

    @Option(names = "--prompt-column", description = "column with raw prompts (default: prompt)")
    String promptColumn;

    @Option(names = "--system", paramLabel = "TEXT", description = "a system message before every row's prompt "
        + "(the row becomes a chat request; rows with their own messages keep them)")
    String system;

    @Option(names = "--prompt-template", paramLabel = "TEMPLATE", description = "each row's user message, e.g. "
        + "\"Classify: {text}\" ({column}: the row's value, empty when null; {{ and }}: literal braces), "
        + "rendered through the model's chat template; rows with their own messages keep them")
    String promptTemplate;

    @Option(names = "--messages-column", description = "column with chat messages (default: messages when present)")
    String messagesColumn;

    @Option(names = "--tools-column", description = "column with OpenAI tool definitions (default: tools when present)")
    String toolsColumn;

    @Option(names = "--params-column", description = "column with per-row sampling params as a JSON object (default: params when present)")
    String paramsColumn;

    @Mixin
    SamplingOptionsMixin sampling = new SamplingOptionsMixin();

    // Structured output: at most one; each is every row's default constraint, and a row's own
    // (response_format, guided_*, structured_outputs in its params) overrides it.
    @Option(names = "--choices", split = ",", paramLabel = "A,B,...", description = "every answer is one of these "
        + "labels (trimmed; parsed: the label). A row's own constraint in its params overrides this.")
    List<String> choices;

    @Option(names = "--regex", description = "every answer matches this regular expression in full (parsed: the answer). "
        + "A row's own constraint overrides this.")
    String regex;

    @Option(names = "--json-schema", paramLabel = "FILE", description = "every answer is a JSON document valid against "
        + "the JSON Schema in FILE (read on the driver; parsed: a typed column of it). A row's own constraint overrides this.")
    Path jsonSchema;

    @Option(names = "--output-schema", paramLabel = "DDL", description = "every answer is a JSON object with these "
        + "fields, e.g. \"label STRING, score DOUBLE, tags ARRAY<STRING>\" (parsed: a struct, parsed.label in SQL). "
        + "A row's own constraint overrides this.")
    String outputSchema;

    @Mixin
    EngineOptionsMixin engine = new EngineOptionsMixin();

    @Option(names = "--max-in-flight", defaultValue = "64", description = "requests each task keeps submitted ahead")
    int maxInFlight;

    @Option(names = "--stages-per-executor", defaultValue = "0",
        description = "with --pipeline-stages: stages each executor holds (0: one per GPU of the executor, 1 on the CPU); "
            + "fewer than the stages makes a pipeline span executors (a barrier stage per batch)")
    int stagesPerExecutor;

    @Option(names = "--device-memory", defaultValue = "0", converter = io.lingspark.engine.command.MemorySize.class,
        description = "with --pipeline-stages: memory of each stage's device (e.g. 80GiB); the driver refuses a plan "
            + "that does not fit before any task starts (0: not checked)")
    long deviceMemory;

    @Option(names = "--batch-rows", defaultValue = "1024",
        description = "pipelines across executors: rows per batch (a failure reruns one batch)")
    int batchRows;

    @Option(names = "--partitions", defaultValue = "0", description = "repartition the input into N tasks (0: the input's partitions, at least the default parallelism)")
    int partitions;

    @Option(names = "--max-error-rate", defaultValue = "1.0", description = "fail (exit 6) when errors/requests exceeds this, after writing")
    double maxErrorRate;

    @Option(names = "--resume", description = "skip ids already in the output; write the rest as a new run")
    boolean resume;

    @Option(names = "--retry-errors", description = "with --resume: also generate again the ids whose latest row "
        + "(by commit order) is a failed request")
    boolean retryErrors;

    @Option(names = "--overwrite", description = "replace the output folder (also takes over a stale claim on it)")
    boolean overwrite;

    @Option(names = "--break-lock", description = "take over the output's claim if its holder's heartbeat is older "
        + "than --lock-timeout (a job that died); a live claim is never taken")
    boolean breakLock;

    @Option(names = "--lock-timeout", defaultValue = "300", paramLabel = "SECONDS",
        description = "a claim on the output whose heartbeat is older than this is stale")
    long lockTimeoutS;

    @Option(names = "--limit", defaultValue = "0", description = "process only the first N input rows (0: all)")
    long limit;

    @Option(names = "--run-id", description = "run id (default: UTC time + random suffix)")
    String runId;

    @Option(names = "--status-file", paramLabel = "PATH|URI",
        description = "JSON progress file, updated during the run: a local path or any Hadoop filesystem URI (hdfs://, s3a://, gs://)")
    String statusFile;

    @Option(names = "--keep-columns", split = ",", description = "input columns copied into the output")
    List<String> keepColumns = new ArrayList<>();

    @Option(names = "--status-interval-ms", defaultValue = "2000", description = "status file / progress bar refresh")
    long statusIntervalMs;

    @Option(names = "--progress-interval-s", defaultValue = "30", paramLabel = "SECONDS",
        description = "where no terminal is attached (Airflow, YARN logs): a progress line this often")
    long progressIntervalS;

    /** Looked up when needed: starting the logging framework takes about a second that a fast failure need not wait. */
    private static org.slf4j.Logger log() {
        return org.slf4j.LoggerFactory.getLogger(GenerateJob.class);
    }

    /** Which batch job this is: generate, or label / eval, which reuse every option and promise of it. */
    private JobKind kind = JobKind.GENERATE;

    /** Makes this the run of another batch job (the label and eval commands set it before call()). */
    public GenerateJob as(JobKind kind) {
        this.kind = kind;
        return this;
    }

    /** The result of the last successful run, for callers in the same JVM (tests, the demo). */
    private GenerateRun.Result result;
    /** The run id once options are checked (--run-id or the generated one), for the status file. */
    private String runIdUsed;

    /**
     * spark-submit entry point. Success returns normally: in YARN cluster mode a System.exit(0) from
     * the user class races the ApplicationMaster's final status. Failures exit with their code, which
     * spark-submit (client mode) and Airflow see. spark.submit.callSystemExitOnMainExit=true in the
     * examples makes stray non-daemon threads harmless after a normal return.
     */
    public static void main(String[] args) {
        SparkConfDefaults.noSessionYet();
        int code = io.lingspark.engine.command.Cli.of(new GenerateJob()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() {
        StatusFile status;
        try {
            status = statusFile == null ? null : new StatusFile(statusFile, StatusFile.driverConf());
        } catch (IllegalArgumentException e) { // no filesystem for that URI: a usage error, before anything starts
            return ExitCodes.run(kind.name(), System.err, () -> {
                throw e;
            });
        }
        try {
            return ExitCodes.run(kind.name(), System.err, () -> {
                try {
                    return execute(status);
                } catch (Throwable t) { // Spark's checked exceptions arrive undeclared; Errors too
                    CommandException c = Failures.classify(t, output);
                    if (c != t && c.exitCode == ExitCodes.UNEXPECTED) {
                        log().error("lingspark {}: {}", kind.name(), c.getMessage(), t);
                    } else if (c != t) {
                        log().debug("lingspark {}: {}", kind.name(), c.getMessage(), t);
                    }
                    // A sensor polling the status file learns about every failure, before the run started too
                    // (after it, the run wrote its counts and this adds the state and the reason).
                    if (status != null) {
                        status.fail(runIdUsed != null ? runIdUsed : runId, output, c.getMessage());
                    }
                    throw c;
                }
            });
        } finally {
            if (status != null) {
                status.close();
            }
        }
    }

    public GenerateRun.Result result() {
        return result;
    }

    private int execute(StatusFile status) {
        Settings s = validateOptions();
        runIdUsed = s.runId();
        if (status != null) {
            status.write(new StatusFile.Snapshot("running", s.runId(), output, 0, 0, java.util.Map.of(), 0, 0, 0, null));
            status.startHeartbeat(statusIntervalMs);
        }
        try {
            var config = ModelCheck.validate(model);
            if (s.engine().maxModelLen() > config.maxPositionEmbeddings) {
                // The engine clips it silently; a user who asked for more context should know.
                System.err.println("lingspark " + kind.name() + ": warning: --max-model-len " + s.engine().maxModelLen() + " is above the "
                    + "model's context (max_position_embeddings " + config.maxPositionEmbeddings + "); using "
                    + config.maxPositionEmbeddings);
            }
            if (s.engine().stages() > 1) {
                io.lingspark.jobs.pipeline.PipelineCheck.check(model, config, s.engine(), deviceMemory);
            }
        } catch (ModelLoadException e) {
            throw new CommandException(ExitCodes.MODEL, "model error: " + e.getMessage(), e);
        }
        try {
            kind.preflight(s); // a missing input or column fails here, in seconds, before Spark starts
        } catch (io.lingspark.jobs.input.InputException e) {
            throw Failures.classify(e, output); // typed already: one line, no stack trace to log
        }
        result = new GenerateRun(s, status).run();
        System.out.println(result.summary().table());
        if (result.openAiFile() != null) {
            System.out.println("OpenAI batch output: " + result.openAiFile());
        }
        if (result.summary().checkedErrorRate() > maxErrorRate) {
            throw new CommandException(ExitCodes.ERROR_RATE, String.format(
                "%s (%.1f%% > --max-error-rate %.1f%%); all rows were written to %s%s",
                result.summary().checkedErrors(), result.summary().checkedErrorRate() * 100, maxErrorRate * 100, output,
                resume && !retryErrors ? " (--retry-errors generates the failed ids again)" : ""));
        }
        return ExitCodes.OK;
    }

    /** Everything GenerateRun needs, checked; usage problems exit 2 before Spark starts. */
    public record Settings(Path model, InputSpec input, String output, OutputFormat outputFormat,
                           RequestParser parser, EngineSettings engine, int maxInFlight,
                           int partitions, boolean resume, boolean overwrite, long limit, String runId,
                           String statusFile, long statusIntervalMs, double maxErrorRate, int stagesPerExecutor,
                           int batchRows, ParsedColumn parsed, boolean retryErrors, boolean breakLock, long lockTimeoutMs,
                           JobKind kind, String modelName, long progressIntervalS) {
    }

    private Settings validateOptions() {
        InputFormat inFmt;
        OutputFormat outFmt;
        try {
            inFmt = inputFormat != null ? InputFormat.parse(inputFormat) : InputFormat.infer(input);
            outFmt = OutputFormat.parse(outputFormat);
        } catch (IllegalArgumentException e) {
            throw new CommandException(ExitCodes.USAGE, e.getMessage());
        }
        usage(!(resume && overwrite), "--resume and --overwrite contradict each other");
        usage(!retryErrors || resume, "--retry-errors goes with --resume (it generates the failed ids of an output again)");
        usage(lockTimeoutS >= 1 && statusIntervalMs >= 1 && progressIntervalS >= 1,
            "--lock-timeout, --status-interval-ms and --progress-interval-s must be >= 1");
        usage(maxErrorRate >= 0 && maxErrorRate <= 1, "--max-error-rate must be in [0, 1]");
        usage(maxInFlight >= 1, "--max-in-flight must be >= 1");
        usage(limit >= 0 && partitions >= 0, "--limit and --partitions must be >= 0");
        usage(stagesPerExecutor >= 0 && batchRows >= 1, "--stages-per-executor must be >= 0 and --batch-rows >= 1");
        EngineSettings engineSettings = EngineSettings.of(engine);
        String run = runId != null ? runId : ZonedDateTime.now(ZoneOffset.UTC)
            .format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"))
            + "-" + Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xF000));
        String name = modelName == null || modelName.isBlank() ? null : modelName.trim();
        usage(run.matches("[A-Za-z0-9._-]{1,100}"), "--run-id may hold only letters, digits, '.', '_' and '-'");
        sampling.params(); // a bad default is a usage error before anything starts
        JobConstraint constraint = JobConstraint.of(choices, regex, jsonSchema, outputSchema);
        String defaults;
        try {
            defaults = new ObjectMapper().writeValueAsString(constraint.addTo(sampling.asRequestFields()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        RequestParser parser = new RequestParser(defaults, sampling.seed);
        try {
            var p = parser.parse("check", "x", null, null, null, null); // validates the defaults up front
            if (p.errorCode() != null) {
                throw new LingException(p.errorCode(), p.errorMessage());
            }
        } catch (LingException e) {
            throw new CommandException(ExitCodes.USAGE, "invalid sampling option: " + e.getMessage(), e);
        }
        io.lingspark.jobs.input.PromptTemplate chat;
        try {
            chat = system == null && promptTemplate == null ? null
                : new io.lingspark.jobs.input.PromptTemplate(system, promptTemplate);
        } catch (IllegalArgumentException e) {
            throw new CommandException(ExitCodes.USAGE, e.getMessage());
        }
        InputSpec in = new InputSpec(input, inFmt, idColumn, promptColumn, messagesColumn, toolsColumn, paramsColumn,
            keepColumns.stream().map(String::trim).filter(x -> !x.isEmpty()).toList(), chat);
        return new Settings(model, in, output, outFmt, parser, engineSettings, maxInFlight, partitions, resume, overwrite, limit, run, statusFile, statusIntervalMs, maxErrorRate, stagesPerExecutor, batchRows,
            constraint.parsed(), retryErrors, breakLock, lockTimeoutS * 1000, kind, name, progressIntervalS);
    }

    private static void usage(boolean ok, String message) {
        if (!ok) {
            throw new CommandException(ExitCodes.USAGE, message);
        }
    }
}
