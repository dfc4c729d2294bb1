package io.lingspark.jobs.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.lingspark.engine.transport.Handshake;
import io.lingspark.jobs.generate.EngineSettings;
import io.lingspark.jobs.generate.PartitionGenerator;
import io.lingspark.jobs.generate.RowCounter;
import io.lingspark.jobs.input.Canonical;
import io.lingspark.jobs.output.OutputStore;
import io.lingspark.jobs.progress.JobMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * Generation with pipelines that span executors (spark-notes §3.3). The rows to do are staged once,
 * tagged with their batch (bounded: a failure reruns one batch) and their pipeline. Each batch is one
 * barrier stage with a task per (pipeline, rank): rank 0 of each pipeline gets that pipeline's rows,
 * the other ranks only their place; a shuffle follows, so a failed task reruns the batch's whole
 * stage. Each batch's rows are committed to a private staging folder beside the output (replaced,
 * never appended, so a rerun batch counts once); the run is then written from there in one commit,
 * like any other run, and the staging folder removed.
 */
public final class PipelineRun {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineRun.class);
    static final String BATCH = "_ls_batch";
    static final String PIPE = "_ls_pipeline";
    /** Test hook "close|exit:RANK:FRAMES": a rank's links die, or its executor JVM exits, mid-batch 0 in the first attempt. */
    public static final String FAIL_HOOK = "spark.lingspark.testing.pipeline-fail";

    /** How the pipelines sit on the cluster, as the driver checked it. */
    public record Layout(int stages, int stagesPerExecutor, int ranks, int pipelines, boolean local, int executorCores) {
    }

    private PipelineRun() {
    }

    /**
     * How S stages sit on this cluster, checked before any task starts: K stages per executor (0: the
     * executor's GPUs, or 1 on the CPU) gives R = S / K ranks per pipeline; R = 1 means each executor
     * holds whole pipelines (no barrier stage). A cluster that cannot hold R ranks at once, or dynamic
     * allocation (barrier stages refuse it), is a usage error with one line saying why.
     */
    public static Layout layout(SparkSession spark, int stages, int perExecutor, String device, long waitMs) {
        SparkContext sc = spark.sparkContext();
        int gpus = (int) Math.floor(sc.conf().getDouble("spark.executor.resource.gpu.amount", 0));
        boolean onGpu = !device.equals("cpu") && gpus > 0;
        int k = perExecutor > 0 ? perExecutor : onGpu ? gpus : 1;
        usage(stages % k == 0, "--pipeline-stages " + stages + " is not a multiple of --stages-per-executor " + k);
        int ranks = stages / k;
        boolean local = sc.isLocal();
        int cores = sc.conf().getInt("spark.executor.cores", 1);
        if (ranks == 1) {
            return new Layout(stages, k, 1, 0, local, cores);
        }
        usage(!sc.conf().getBoolean("spark.dynamicAllocation.enabled", false), "pipelines across executors run as barrier "
            + "stages, which Spark refuses with dynamic allocation: set spark.dynamicAllocation.enabled=false");
        if (local) {
            int slots = localSlots(sc.master(), sc.conf().getInt("spark.task.cpus", 1));
            usage(slots >= ranks, "a pipeline of " + ranks + " ranks (" + stages + " stages, " + k + " per executor) needs "
                + ranks + " concurrent tasks; " + sc.master() + " runs " + slots);
            return new Layout(stages, k, ranks, slots / ranks, true, cores); // as many pipelines as the slots hold
        }
        long deadline = System.currentTimeMillis() + waitMs;
        int executors = sc.getExecutorMemoryStatus().size() - 1;
        while (executors < ranks && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            executors = sc.getExecutorMemoryStatus().size() - 1;
        }
        usage(executors >= ranks, "a pipeline of " + ranks + " ranks (" + stages + " stages, " + k + " per executor) needs "
            + ranks + " executors; the cluster has " + executors + " after waiting " + waitMs / 1000 + " s");
        return new Layout(stages, k, ranks, executors / ranks, false, cores);
    }

    /**
     * Tasks a local master runs at once: its threads (local, local[N], local[*], each with an optional
     * ",maxFailures") over spark.task.cpus. Not spark.default.parallelism, which is a partition count
     * a user may set to anything and a barrier stage cannot trust.
     */
    static int localSlots(String master, int taskCpus) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?])?").matcher(master);
        if (!m.matches()) {
            return 1;
        }
        int threads = m.group(1) == null ? 1 : m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors()
            : Integer.parseInt(m.group(1));
        return Math.max(1, threads / Math.max(1, taskCpus));
    }

    private static void usage(boolean ok, String message) {
        if (!ok) {
            throw new io.lingspark.engine.command.ExitCodes.CommandException(io.lingspark.engine.command.ExitCodes.USAGE, message);
        }
    }

    /** Generates `todo` (canonical request rows) and writes the run; returns nothing, the caller reads the run back. */
    public static void run(SparkSession spark, Dataset<Row> todo, StructType outSchema, PartitionGenerator generator,
                           String modelDir, EngineSettings engine, Layout layout, int batchRows, JobMetrics metrics,
                           OutputStore store, String runId, boolean overwrite) {
        SparkContext sc = spark.sparkContext();
        Path staging = store.pipelineStaging(runId); // a dead run's is removed by the next claimant of the output
        String in = new Path(staging, "input").toString();
        String out = new Path(staging, "output").toString();
        long n = todo.count();
        int batches = (int) ((n + batchRows - 1) / batchRows); // 0 when nothing is left to do (a finished --resume)
        LOG.info("lingspark generate: {} rows in {} batch(es) of <= ~{} over {} pipeline(s) of {} rank(s) ({} stages, {} per executor)",
            n, batches, batchRows, layout.pipelines(), layout.ranks(), layout.stages(), layout.stagesPerExecutor());
        todo.mapPartitions(new RowCounter(metrics.rowsIn), Encoders.row(todo.schema()))
            .withColumn(BATCH, pmod(xxhash64(col(Canonical.ID)), lit(Math.max(1, batches))))
            .withColumn(PIPE, pmod(hash(col(Canonical.ID)), lit(layout.pipelines())))
            .repartition(col(BATCH)).write().mode(SaveMode.Overwrite).partitionBy(BATCH).parquet(in);
        byte[] secret = Handshake.newSecret();
        CollectionAccumulator<String> placed = sc.collectionAccumulator("lingspark.pipeline.placements");
        Map<String, String> where = new HashMap<>(); // "pipeline,rank" -> executor location of the last batch
        String hook = spark.conf().get(FAIL_HOOK, "");
        PipelineTaskFunction fn = new PipelineTaskFunction(generator, modelDir, engine, layout.ranks(), secret, placed, hook);
        List<Column> cols = new ArrayList<>();
        for (String f : todo.schema().fieldNames()) {
            cols.add(col(f));
        }
        cols.add(col(PIPE));
        int written = 0;
        for (int b = 0; b < batches; b++) {
            List<List<Row>> rows = batchRows(spark, in, b, cols, layout.pipelines(), metrics);
            if (rows.stream().allMatch(List::isEmpty)) {
                continue; // the id hash left this batch empty: no barrier stage for nothing
            }
            written++;
            List<Tuple2<RankTask, scala.collection.immutable.Seq<String>>> tasks = new ArrayList<>();
            for (int p = 0; p < layout.pipelines(); p++) {
                for (int r = 0; r < layout.ranks(); r++) {
                    String loc = where.get(p + "," + r);
                    tasks.add(new Tuple2<>(new RankTask(b, p, r, r == 0 ? rows.get(p) : null),
                        CollectionConverters.asScala(loc == null ? List.<String>of() : List.of(loc)).toList()));
                }
            }
            RDD<RankTask> descriptors = sc.makeRDD(CollectionConverters.asScala(tasks).toList(),
                ClassTag$.MODULE$.apply(RankTask.class));
            RDD<Row> generated = descriptors.barrier().mapPartitions(fn, false, ClassTag$.MODULE$.apply(Row.class));
            if (!layout.local()) {
                // one task per executor: each rank gets an executor's cores (and devices) to itself
                TaskResourceRequests req = new TaskResourceRequests().cpus(layout.executorCores());
                if (engine.device().startsWith("cuda") || engine.device().equals("auto")) {
                    if (sc.conf().contains("spark.executor.resource.gpu.amount")) {
                        req = req.resource("gpu", layout.stagesPerExecutor());
                    }
                }
                ResourceProfile profile = new ResourceProfileBuilder().require(req).build();
                generated = generated.withResources(profile);
            }
            sc.setJobDescription("lingspark generate " + runId + ": pipeline batch " + (b + 1) + "/" + batches);
            spark.createDataFrame(generated.toJavaRDD().repartition(Math.max(1, layout.pipelines())), outSchema)
                .write().mode(SaveMode.Overwrite).parquet(out + "/batch=" + b);
            for (String s : placed.value()) {
                String[] f = s.split(",", 3);
                where.put(f[0] + "," + f[1], f[2]);
            }
            placed.reset();
        }
        sc.setJobDescription("lingspark generate " + runId + ": commit");
        Dataset<Row> all = written > 0 ? spark.read().schema(outSchema).parquet(out)
            : spark.createDataFrame(List.<Row>of(), outSchema); // nothing to do (e.g. a --resume of a finished run)
        List<Column> outCols = new ArrayList<>();
        for (String f : outSchema.fieldNames()) {
            outCols.add(col(f));
        }
        store.write(all.select(outCols.toArray(Column[]::new)), runId, overwrite);
        try {
            store.fs().delete(staging, true);
        } catch (IOException e) {
            LOG.warn("lingspark generate: could not remove the staging folder {}: {}", staging, e.toString());
        }
    }

    /** A batch's rows per pipeline, sorted by id with duplicate ids folded (the first of each kept). */
    private static List<List<Row>> batchRows(SparkSession spark, String in, int b, List<Column> cols, int pipelines,
                                             JobMetrics metrics) {
        List<Row> sorted = spark.read().parquet(in).where(col(BATCH).equalTo(b)).select(cols.toArray(Column[]::new))
            .sort(Canonical.ID, Canonical.PROMPT, Canonical.MESSAGES, Canonical.TOOLS, Canonical.PARAMS, Canonical.CORRUPT)
            .collectAsList();
        List<List<Row>> out = new ArrayList<>();
        for (int p = 0; p < pipelines; p++) {
            out.add(new ArrayList<>());
        }
        String last = null;
        long folded = 0;
        for (Row r : sorted) {
            String id = r.getString(0);
            if (id.equals(last)) {
                folded++;
                continue;
            }
            last = id;
            Object[] v = new Object[r.size() - 1];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.get(i);
            }
            out.get(r.getInt(r.size() - 1)).add(RowFactory.create(v));
        }
        if (folded > 0) {
            metrics.folded.add(folded);
        }
        return out;
    }
}
