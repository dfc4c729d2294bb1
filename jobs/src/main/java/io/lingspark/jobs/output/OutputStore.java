package io.lingspark.jobs.output;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The output folder: {@code <output>/run_id=<run>/part-*}. Every write goes through Spark's
 * DataFrame writer, so the commit protocol (one committed attempt per partition, job commit by
 * rename) is what makes rows exactly-once; tasks never write files themselves.
 *
 * <p>Rules, checked on the driver before anything runs (spark-notes.md §4.2):
 * <ul>
 *   <li>one job at a time: a run first claims the output ({@link OutputClaim}); a second job is
 *       refused, naming the holder;</li>
 *   <li>with the claim held, what a dead writer left is removed ({@link #removeLeftovers}): no
 *       live job can be using it, and FileOutputCommitter v1 would publish a stale
 *       {@code _temporary/}'s committed tasks with the next commit into that folder;</li>
 *   <li>an output that already holds runs needs --resume (add a run with the missing ids) or
 *       --overwrite (replace everything); a run id is never reused, so a resume can't clobber one;</li>
 *   <li>a run is written with dynamic partition overwrite: its staging folder is private to the job
 *       ({@code .spark-staging-<job>}), and only {@code run_id=<run>} is replaced at commit. Then it is
 *       recorded in the {@link RunLog}, which orders runs for "the latest row of an id".</li>
 * </ul>
 */
public final class OutputStore {
    private final SparkSession spark;
    private final String output;
    private final OutputFormat format;
    private final FileSystem fs;
    private final Path root;

    public OutputStore(SparkSession spark, String output, OutputFormat format) {
        this.spark = spark;
        this.output = output;
        this.format = format;
        try {
            this.root = new Path(output);
            this.fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException | IllegalArgumentException e) {
            throw new OutputException("cannot open output '" + output + "': " + e.getMessage(), e);
        }
    }

    /** Refuses an output path that is a file, before anything is created under it. */
    public void checkNotAFile() {
        try {
            if (fs.exists(root) && !fs.getFileStatus(root).isDirectory()) {
                throw new OutputException("output '" + output + "' exists and is a file");
            }
        } catch (IOException e) {
            throw new OutputException("cannot inspect output '" + output + "': " + e.getMessage(), e);
        }
    }

    /** Claims the output for a run (see {@link OutputClaim}); close the claim when the run ends. */
    public OutputClaim claim(String runId, boolean takeOverStale, long timeoutMs) {
        checkNotAFile();
        return OutputClaim.acquire(fs, root, runId, takeOverStale, timeoutMs);
    }

    /** Driver-side checks; returns the run ids already committed there. */
    public List<String> check(String runId, boolean resume, boolean overwrite) {
        try {
            if (!fs.exists(root)) {
                return List.of();
            }
            checkNotAFile();
            List<String> runs = runs();
            if (overwrite) {
                return runs;
            }
            if (!runs.isEmpty() && !resume) {
                throw new OutputException("output '" + output + "' already holds " + runs.size() + " run(s) "
                    + runs + "; use --resume to generate only the missing ids, or --overwrite to replace it");
            }
            if (runs.contains(runId)) {
                throw new OutputException("run id '" + runId + "' already exists in '" + output
                    + "'; a resumed run needs a new --run-id (or leave it out)");
            }
            return runs;
        } catch (IOException e) {
            throw new OutputException("cannot inspect output '" + output + "': " + e.getMessage(), e);
        }
    }

    /**
     * Removes what a writer that died left behind; call with the output's claim held, so no live job
     * can be using any of it. Returns what was removed (empty: nothing). The kinds:
     * {@code _temporary/} (FileOutputCommitter: a static overwrite's task files, committed or not; also inside
     * a {@code run_id=<run>/} folder written on its own, which goes whole when it holds nothing else),
     * {@code .spark-staging-<job>/} (dynamic partition overwrite: task files never moved into place),
     * {@code _openai_batch/staging-<run>/} (the OpenAI batch file before its rename), and the pipeline
     * path's staging folder beside the output ({@link #pipelineStaging}).
     */
    public List<String> removeLeftovers() {
        List<Path> found = new ArrayList<>();
        try {
            if (fs.exists(root)) {
                for (FileStatus st : fs.listStatus(root)) {
                    String name = st.getPath().getName();
                    if (name.equals("_temporary") || name.startsWith(".spark-staging-")) {
                        found.add(st.getPath());
                    }
                }
                // A run written into its own folder (perRunDirectory) that died before its job commit: the folder
                // holds only the committer's _temporary/ (or is empty), so it is no run at all and goes whole.
                FileStatus[] unfinished = fs.globStatus(new Path(root, OutputSchema.RUN_ID + "=*/_temporary"));
                if (unfinished != null) {
                    for (FileStatus t : unfinished) {
                        Path run = t.getPath().getParent();
                        boolean onlyTemporary = java.util.Arrays.stream(fs.listStatus(run))
                            .allMatch(f -> f.getPath().getName().equals("_temporary"));
                        found.add(onlyTemporary ? run : t.getPath());
                    }
                }
                FileStatus[] openAi = fs.globStatus(new Path(new Path(root, OpenAiBatchOutput.FOLDER), "staging-*"));
                if (openAi != null) {
                    found.addAll(java.util.Arrays.stream(openAi).map(FileStatus::getPath).toList());
                }
            }
            Path pipeline = pipelineStagingRoot();
            if (pipeline != null && fs.exists(pipeline)) {
                found.add(pipeline);
            }
            List<String> removed = new ArrayList<>();
            for (Path p : found) {
                fs.delete(p, true);
                String parent = p.getParent().getName();
                removed.add((parent.equals(OpenAiBatchOutput.FOLDER) || parent.startsWith(OutputSchema.RUN_ID + "=")
                    ? parent + "/" : "") + p.getName() + "/");
            }
            return removed;
        } catch (IOException e) {
            throw new OutputException("cannot remove what a crashed job left in '" + output + "': " + e.getMessage(), e);
        }
    }

    /**
     * Where the pipeline path stages a run: beside the output, not in it, so an --overwrite of the
     * output does not delete what the run reads from. Null for an output at a filesystem's root.
     */
    public Path pipelineStaging(String runId) {
        Path base = pipelineStagingRoot();
        if (base == null) {
            throw new OutputException("pipelines across executors stage beside the output; '" + output
                + "' has no parent folder");
        }
        return new Path(base, runId);
    }

    private Path pipelineStagingRoot() {
        return root.getParent() == null ? null : new Path(root.getParent(), "." + root.getName() + ".lingspark-staging");
    }

    /** The output's committed-run order. */
    public RunLog runLog() {
        return new RunLog(fs, root);
    }

    /** Every id of the output and whether its latest row (by commit order) is a failed request: (id, failed). */
    public Dataset<Row> latestState() {
        try {
            return RunLog.latestState(read(), runLog().orderFrame(spark));
        } catch (IOException e) {
            throw new OutputException("cannot read the run records of '" + output + "': " + e.getMessage(), e);
        }
    }

    public List<String> runs() throws IOException {
        List<String> runs = new ArrayList<>();
        for (FileStatus st : fs.listStatus(root)) {
            String name = st.getPath().getName();
            if (st.isDirectory() && name.startsWith(OutputSchema.RUN_ID + "=")) {
                runs.add(name.substring(OutputSchema.RUN_ID.length() + 1));
            }
        }
        runs.sort(null);
        return runs;
    }

    /**
     * A resumed run must write the parsed column with the type the earlier runs have (a reader takes
     * the union of the runs): the same --output-schema / --json-schema / --choices / --regex flags.
     * Parquet only; JSON has no types to disagree. Runs from before the column existed are fine.
     */
    public void checkParsedType(org.apache.spark.sql.types.DataType type) {
        if (format != OutputFormat.PARQUET) {
            return;
        }
        for (var f : read().schema().fields()) {
            if (f.name().equals(OutputSchema.PARSED) && !f.dataType().catalogString().equals(type.catalogString())) {
                // (catalogString: names and types; Parquet reads every field back as nullable)
                throw new OutputException("output '" + output + "' has a parsed column of type " + f.dataType().simpleString()
                    + " but this run would write " + type.simpleString() + "; resume with the flags of the earlier runs "
                    + "(--output-schema, --json-schema, --choices, --regex) or write to a new output");
            }
        }
    }

    /** Every committed row, all runs (run_id as a column). */
    public Dataset<Row> read() {
        if (format == OutputFormat.PARQUET) {
            try {
                // Spark takes the schema of one file (an old run's, by name): merged, the runs written
                // before a column was added (logprobs) read with it as null and the new runs keep theirs.
                return spark.read().option("mergeSchema", "true").parquet(output);
            } catch (Exception e) {
                // runs whose parsed columns have different types cannot merge: checkParsedType names that
                org.slf4j.LoggerFactory.getLogger(OutputStore.class).debug("lingspark: cannot merge the runs' schemas "
                    + "in {}: {}", output, e.toString());
                return spark.read().parquet(output);
            }
        }
        return spark.read().schema(jsonSchemaHint()).json(output);
    }

    /** The rows of one run (none for a run of an empty input: Spark writes no folder for it). */
    public Dataset<Row> readRun(String runId) {
        try {
            if (!fs.exists(new Path(root, OutputSchema.RUN_ID + "=" + runId))) {
                return spark.createDataFrame(List.of(), jsonSchemaHint());
            }
        } catch (IOException e) {
            throw new OutputException("cannot inspect output '" + output + "': " + e.getMessage(), e);
        }
        return read().where(col(OutputSchema.RUN_ID).equalTo(runId));
    }

    private org.apache.spark.sql.types.StructType jsonSchemaHint() {
        // JSON has no schema; reading back with the known columns keeps types (and null-only columns).
        return OutputSchema.BASE.add(OutputSchema.RUN_ID, org.apache.spark.sql.types.DataTypes.StringType);
    }

    /**
     * Writes the generated rows as one run; overwrite first empties the output folder (all but the
     * claim). Not Spark's static overwrite: that deletes the whole folder, the claim with it.
     */
    public void write(Dataset<Row> rows, String runId, boolean overwrite) {
        if (overwrite) {
            clearForOverwrite();
        }
        org.apache.spark.sql.DataFrameWriter<Row> w;
        String target = output;
        if (perRunDirectory()) {
            // A new run_id=<run>/ folder of its own, created by the job commit: no partition overwrite, which the
            // object-store committers (S3A magic / staging, PathOutputCommitProtocol) refuse. Readers see run_id as
            // a partition column exactly as before.
            target = new Path(root, OutputSchema.RUN_ID + "=" + runId).toString();
            w = rows.drop(OutputSchema.RUN_ID).write().mode(SaveMode.ErrorIfExists);
        } else {
            w = rows.write().partitionBy(OutputSchema.RUN_ID).mode(SaveMode.Overwrite)
                .option("partitionOverwriteMode", "dynamic");
        }
        if (format == OutputFormat.PARQUET) {
            w.option("compression", "zstd").parquet(target);
        } else {
            w.option("ignoreNullFields", "false").json(target);
        }
    }

    /** Object stores and committers without dynamic partition overwrite. */
    private static final java.util.Set<String> OBJECT_STORES = java.util.Set.of("s3", "s3a", "s3n", "gs", "abfs", "abfss",
        "wasb", "wasbs", "oss", "cosn", "obs");
    static final String DEFAULT_COMMIT_PROTOCOL = "org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol";

    /**
     * Whether a run is written into its own {@code run_id=<run>} folder instead of through dynamic partition
     * overwrite: on object stores, and whenever the session's commit protocol is not Spark's default (the S3A
     * committers' PathOutputCommitProtocol refuses dynamic partition overwrite). Either way a run's files
     * appear at job commit only, and a run id is never reused.
     */
    public boolean perRunDirectory() {
        String scheme = fs.getUri().getScheme();
        String protocol = spark.conf().get("spark.sql.sources.commitProtocolClass", DEFAULT_COMMIT_PROTOCOL);
        return (scheme != null && OBJECT_STORES.contains(scheme.toLowerCase(java.util.Locale.ROOT)))
            || !protocol.equals(DEFAULT_COMMIT_PROTOCOL);
    }

    private void clearForOverwrite() {
        try {
            if (!fs.exists(root)) {
                return;
            }
            for (FileStatus st : fs.listStatus(root)) {
                if (!st.getPath().getName().equals(OutputClaim.FOLDER)) {
                    fs.delete(st.getPath(), true);
                }
            }
            fs.delete(new Path(root, RunLog.FOLDER), true); // the replaced runs' records
        } catch (IOException e) {
            throw new OutputException("cannot clear output '" + output + "' for --overwrite: " + e.getMessage(), e);
        }
    }

    public FileSystem fs() {
        return fs;
    }

    public Path root() {
        return root;
    }
}
