package io.lingspark.jobs.generate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.jobs.input.Canonical;
import io.lingspark.jobs.input.InputFormat;
import io.lingspark.jobs.input.InputReader;
import io.lingspark.jobs.output.OpenAiBatchOutput;
import io.lingspark.jobs.pipeline.PipelineRun;
import io.lingspark.jobs.output.OutputClaim;
import io.lingspark.jobs.output.OutputSchema;
import io.lingspark.jobs.output.OutputStore;
import io.lingspark.jobs.progress.JobMetrics;
import io.lingspark.jobs.progress.ProgressListener;
import io.lingspark.jobs.progress.ProgressReporter;
import io.lingspark.jobs.progress.StatusFile;
import io.lingspark.jobs.progress.Summary;
import java.util.concurrent.ExecutionException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generation run on Spark: read and check the input, check the output, pick the rows to do
 * (--limit, --resume), stream them through the executors' engines, write the run through the
 * commit protocol, then read the committed run back for the summary (and the OpenAI batch file).
 */
public final class GenerateRun {
    private static final Logger LOG = LoggerFactory.getLogger(GenerateRun.class);
    /** Test hook (spark-notes.md §5.4): fail the first attempt of even partitions after N requests. */
    public static final String FAIL_HOOK = "spark.lingspark.testing.fail-first-attempt-after";
    private static final int WARMUP_TOKENS = 8;

    private final GenerateJob.Settings s;
    private final StatusFile status;
    private boolean openAiInput;

    /** @param status the --status-file (null: none); GenerateJob owns it and writes its end state on failures */
    public GenerateRun(GenerateJob.Settings settings, StatusFile status) {
        this.s = settings;
        this.status = status;
    }

    /** @param prepS seconds from the start of the run to the start of generation (input scan, checks, planning) */
    public record Result(String runId, Summary summary, String openAiFile, long rowsTotal, double prepS) {
    }

    public Result run() {
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(true);
        boolean embedded = ownSession && !conf.contains("spark.master");
        String master = embedded ? "local[*]" : ownSession ? conf.get("spark.master")
            : SparkSession.active().sparkContext().master();
        // whole engines in each executor: one stage, or all S stages per executor (not a layout the driver may still refuse)
        boolean wholeEngines = s.engine().stages() == 1 || s.stagesPerExecutor() == s.engine().stages();
        if ((master.equals("local") || master.startsWith("local[")) && wholeEngines) {
            // The only executor is this JVM: load the engine (and warm it up) while Spark starts
            // and the driver scans the input, instead of after.
            prewarm(PartitionGenerator.engineOptions(jobSettings(-1), s.engine().device()));
        }
        SparkSession.Builder b = SparkSession.builder().appName("lingspark-generate");
        if (embedded) {
            // Embedded run (bin/lingspark without SPARK_HOME): local Spark on this machine's cores.
            // Heartbeats carry running tasks' counters to the progress bar; 2 s keeps it moving.
            b.master(master).config("spark.ui.showConsoleProgress", "false")
                .config("spark.executor.heartbeatInterval", "2s")
                .config("spark.sql.shuffle.partitions", "8")
                // barrier stages (pipelines across executors): a hung peer must not hang the job for a year
                .config("spark.barrier.sync.timeout", "600s")
                .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "2s")
                .config("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "30");
        }
        SparkSession spark = b.getOrCreate();
        try {
            return generate(spark);
        } finally {
            if (ownSession) {
                EngineHolder.closeAll(); // local mode: the engine lives in this JVM; free it with the session
                spark.stop();
            }
        }
    }

    /**
     * Loads the engine on a daemon thread, then runs one short greedy request through it so the
     * JIT compiles the model's hot loops while the driver is busy with Spark's single-threaded
     * preparation rather than during the first real requests. A failure here is ignored; the first
     * task loads again and reports it as the job's error.
     */
    private static void prewarm(EngineOptions options) {
        Thread t = new Thread(() -> {
            try {
                Engine e = EngineHolder.get(options);
                SamplingParams p = SamplingParams.builder().temperature(0).maxTokens(WARMUP_TOKENS).ignoreEos(true).build();
                e.submit(GenerationRequest.ofPrompt("lingspark-warmup", "Warm up the engine, please.", p)).get();
            } catch (RuntimeException | Error | InterruptedException | ExecutionException e) {
                LOG.debug("lingspark: engine prewarm failed: {}", e.toString());
            }
        }, "lingspark-prewarm");
        t.setDaemon(true);
        t.start();
    }

    /** How long the driver waits for the executors a pipeline needs (spark.lingspark.pipeline.executor-wait-ms). */
    static final long EXECUTOR_WAIT_MS = Long.getLong("lingspark.pipeline.executor-wait-ms", 120_000);

    /** Local mode: every rank of every pipeline is in this JVM, so each takes its share of the cores and of the cache memory. */
    static EngineSettings localShares(EngineSettings e, int ranks, int pipelines) {
        int cores = e.cpuThreads() > 0 ? e.cpuThreads() : Runtime.getRuntime().availableProcessors();
        int threads = e.threadsPerStage() > 0 ? e.threadsPerStage() : Math.max(1, cores / (e.stages() * pipelines));
        long memory = (e.kvCacheMemory() > 0 ? e.kvCacheMemory() : io.lingspark.engine.backend.cpu.CpuBackend.defaultCacheMemory())
            / ((long) ranks * pipelines);
        return e.perRank(threads, memory);
    }

    private JobSettings jobSettings(int failFirstAttemptAfter) {
        return new JobSettings(s.model().toAbsolutePath().toString(), s.engine(), s.maxInFlight(), s.runId(),
            s.input().keepColumns().size(), s.parser(), s.parsed(), failFirstAttemptAfter, s.modelName());
    }

    /**
     * The order of a task's rows. By id, then content (which duplicate wins the fold), without prefix
     * caching. With it, rows that share a prompt prefix (the same tools, then the same leading
     * messages or prompt text: a template, an instruction, few-shot examples) run next to each other,
     * so the engine computes that prefix once and serves it to the rest from its cache: rows go in
     * the order of their content, tools first. Every row of an id takes the id's smallest content as
     * its place, so an id's rows stay next to each other, in content order, and the fold keeps the
     * same row as before.
     */
    static Dataset<Row> prefixOrder(Dataset<Row> byId, boolean prefixCaching) {
        String[] content = {Canonical.PROMPT, Canonical.MESSAGES, Canonical.TOOLS, Canonical.PARAMS, Canonical.CORRUPT};
        if (!prefixCaching) {
            return byId.sortWithinPartitions(Canonical.ID, content);
        }
        String place = "_ls_prefix_order";
        Column text = concat_ws("\u0001", coalesce(col(Canonical.TOOLS), lit("")),
            coalesce(col(Canonical.MESSAGES), lit("")), coalesce(col(Canonical.PROMPT), lit("")));
        return byId.withColumn(place, org.apache.spark.sql.functions.min(text).over(Window.partitionBy(col(Canonical.ID))))
            .sortWithinPartitions(place, Stream.concat(Stream.of(Canonical.ID), Arrays.stream(content)).toArray(String[]::new))
            .drop(place);
    }

    private Result generate(SparkSession spark) {
        long t0 = System.nanoTime();
        LOG.info("lingspark generate: run {} model {} input {} ({}) output {}", s.runId(), s.model(),
            s.input().input(), s.input().format(), s.output());
        PipelineRun.Layout layout = s.engine().stages() > 1
            ? PipelineRun.layout(spark, s.engine().stages(), s.stagesPerExecutor(), s.engine().device(), EXECUTOR_WAIT_MS)
            : null;
        // an OpenAI batch file is one by its lines too (without --input-format), and gets its output file
        openAiInput = io.lingspark.jobs.input.InputReader.resolve(spark, s.input()).format() == InputFormat.OPENAI_BATCH;
        Dataset<Row> input = s.kind().read(spark, s);
        OutputStore store = new OutputStore(spark, s.output(), s.outputFormat());
        // One writer per output from here to the end, success or failure (also --resume, pipelines).
        try (OutputClaim claim = store.claim(s.runId(), s.breakLock() || s.overwrite(), s.lockTimeoutMs())) {
            return generateClaimed(spark, store, input, layout, t0);
        }
    }

    private Result generateClaimed(SparkSession spark, OutputStore store, Dataset<Row> input, PipelineRun.Layout layout,
                                   long t0) {
        boolean local = spark.sparkContext().isLocal();
        boolean pipelined = layout != null && layout.ranks() > 1;
        int failAfter = Integer.parseInt(spark.conf().get(FAIL_HOOK, "-1"));
        JobSettings js = jobSettings(failAfter);
        // Leftovers first: a run folder a dead writer never committed is no run (see removeLeftovers)
        List<String> removed = store.removeLeftovers();
        if (!removed.isEmpty()) {
            System.err.println("lingspark " + s.kind().name() + ": removed what a crashed job left in " + s.output() + ": "
                + String.join(", ", removed));
        }
        var runs = store.check(s.runId(), s.resume(), s.overwrite());
        boolean resuming = s.resume() && !runs.isEmpty();
        if (resuming) {
            if (s.kind() == JobKind.GENERATE) {
                store.checkParsedType(s.parsed().type());
            }
            recordMissing(store, runs);
        }
        Dataset<Row> todo = s.limit() > 0 ? input.limit((int) Math.min(Integer.MAX_VALUE, s.limit())) : input;
        long[] skippedRetried = null;
        if (resuming) {
            Dataset<Row> state = store.latestState();
            skippedRetried = resumeCounts(todo, state);
            Dataset<Row> done = s.retryErrors() ? state.where(not(col("failed"))).select("id") : state.select("id");
            todo = todo.join(done, todo.col(Canonical.ID).equalTo(done.col("id")), "left_anti");
        }
        // Tasks get their rows by a hash of the id, so every row of an id lands in one task, sorted
        // next to each other: the task keeps the first and folds the rest (rows identical in every
        // column share a hash id, and a user id column may repeat), so each id is generated once with
        // no counting query before generation. The map side of that shuffle counts the requests for
        // the progress total. The sort (by id, then content) also makes which duplicate wins and a
        // retried task's rows deterministic. A prompt file is often one split; spreading its rows
        // over at least every core of the cluster lets all tasks feed their executor's engine.
        int inParts = todo.rdd().getNumPartitions();
        int parts = s.partitions() > 0 ? s.partitions() : Math.max(inParts, spark.sparkContext().defaultParallelism());
        JobMetrics metrics = new JobMetrics(spark.sparkContext());
        Dataset<Row> requests = prefixOrder(todo.mapPartitions(new RowCounter(metrics.rowsIn), Encoders.row(todo.schema()))
            .repartition(parts, col(Canonical.ID)), s.engine().prefixCaching());
        LOG.info("lingspark generate: {} task(s) ({} earlier run(s) in the output)", parts, runs.size());

        ProgressListener listener = new ProgressListener(metrics);
        spark.sparkContext().addSparkListener(listener);
        boolean bar = local && System.console() != null;
        StructType schema = OutputSchema.withKept(s.kind().outputColumns(s), todo.schema(), s.input().keepColumns());
        double prepS = (System.nanoTime() - t0) / 1e9;
        // no terminal (Airflow, YARN, a redirect): plain lines every --progress-interval-s instead of a bar
        ProgressReporter reporter = new ProgressReporter(listener, status, bar ? System.err : null,
            System.console() == null ? System.err : null, s.progressIntervalS() * 1000, s.kind().name(), s.runId(),
            s.output(), metrics.rowsIn::value, s.statusIntervalMs());
        try {
            if (pipelined) {
                EngineSettings engine = layout.local() ? localShares(s.engine(), layout.ranks(), layout.pipelines()) : s.engine();
                JobSettings pjs = new JobSettings(js.modelDir(), engine, js.maxInFlight(), js.runId(), js.keptColumns(),
                    js.parser(), js.parsed(), -1, js.modelName());
                PipelineRun.run(spark, todo, schema, new PartitionGenerator(pjs, metrics, s.kind().work(pjs)), js.modelDir(), engine, layout,
                    s.batchRows(), metrics, store, s.runId(), s.overwrite());
            } else {
                Dataset<Row> generated = requests.mapPartitions(new PartitionGenerator(js, metrics, s.kind().work(js)), Encoders.row(schema));
                spark.sparkContext().setJobDescription("lingspark " + s.kind().name() + " " + s.runId());
                store.write(generated, s.runId(), s.overwrite());
            }
            spark.sparkContext().setJobDescription(null);
            recordCommitted(store);
            double wall = (System.nanoTime() - t0) / 1e9;
            Summary summary = Summary.of(store.readRun(s.runId()), s.runId(), s.output(), wall)
                .withPrefixCache(metrics.cachedPromptTokens.value(), metrics.choicePromptTokens.value());
            if (resuming) {
                Row o = store.latestState().agg(count(lit(1)), sum(when(col("failed"), 1).otherwise(0))).first();
                summary = summary.withResume(new Summary.Resume(skippedRetried[0], skippedRetried[1], o.getLong(0),
                    o.isNullAt(1) ? 0 : o.getLong(1)));
            }
            long folded = metrics.folded.value();
            long total = metrics.rowsIn.value() - folded;
            if (folded > 0) {
                LOG.warn("lingspark generate: {} input rows shared an id with another row; each id was generated once",
                    folded);
            }
            LOG.info("lingspark generate: {} requests", total);
            if (summary.requests() != total) {
                // Every request yields exactly one choice-0 row; anything else is a bug worth failing on.
                throw new IllegalStateException("the run has " + summary.requests() + " requests but "
                    + total + " were submitted");
            }
            String openAi = openAiInput && s.kind() == JobKind.GENERATE
                ? OpenAiBatchOutput.write(store, s.runId(), System.currentTimeMillis() / 1000, s.parsed().holdsJson()).toString() : null;
            boolean tooManyErrors = summary.checkedErrorRate() > s.maxErrorRate();
            reporter.finish(summary.snapshot(tooManyErrors ? "failed" : "succeeded", total, tooManyErrors
                ? String.format("%s: error rate %.4f is over --max-error-rate %.4f", summary.checkedErrors(),
                    summary.checkedErrorRate(), s.maxErrorRate())
                : null));
            return new Result(s.runId(), summary, openAi, total, prepS);
        } catch (Throwable e) {
            // Spark's job failures are checked exceptions thrown undeclared, and Errors happen: every one
            // leaves the status file with this run's last counts; GenerateJob then writes "failed" and why.
            reporter.finish(reporter.snapshot());
            throw e;
        } finally {
            reporter.close();
            spark.sparkContext().removeSparkListener(listener);
        }
    }

    /** [ids of the input the output has done and are skipped, ids whose latest row failed and are retried]. */
    private long[] resumeCounts(Dataset<Row> todo, Dataset<Row> state) {
        Dataset<Row> ids = todo.select(col(Canonical.ID).as("_ls_id")).distinct();
        Row c = ids.join(state, ids.col("_ls_id").equalTo(state.col("id")))
            .agg(count(lit(1)), sum(when(col("failed"), 1).otherwise(0))).first();
        long known = c.getLong(0);
        long failed = c.isNullAt(1) ? 0 : c.getLong(1);
        long retried = s.retryErrors() ? failed : 0;
        LOG.info("lingspark generate: resume: {} id(s) of the input are done, {} of them failed{}", known, failed,
            s.retryErrors() ? " (generated again: --retry-errors)" : "");
        return new long[] {known - retried, retried};
    }

    /** Earlier runs committed without a record (see RunLog) are recorded before this run can be. */
    private static void recordMissing(OutputStore store, List<String> runs) {
        try {
            store.runLog().recordMissing(runs);
        } catch (java.io.IOException e) {
            throw new io.lingspark.jobs.output.OutputException("cannot record the runs of " + store.root() + ": "
                + e.getMessage(), e);
        }
    }

    /** Records this run as the output's newest, if it committed any rows (an empty run leaves no folder). */
    private void recordCommitted(OutputStore store) {
        try {
            if (store.runs().contains(s.runId())) {
                store.runLog().record(s.runId());
            }
        } catch (java.io.IOException e) {
            throw new io.lingspark.jobs.output.OutputException("run " + s.runId() + " was committed but could not be "
                + "recorded in " + store.root() + " (the next run records it): " + e.getMessage(), e);
        }
    }
}
