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
 *   <li>a leftover {@code _temporary/} (a crashed job) is refused unless --overwrite, because
 *       FileOutputCommitter v1 would publish its stale committed tasks with the next commit;</li>
 *   <li>an output that already holds runs needs --resume (add a run with the missing ids) or
 *       --overwrite (replace everything); a run id is never reused, so a resume can't clobber one;</li>
 *   <li>a run is written with dynamic partition overwrite: its staging folder is private to the job
 *       ({@code .spark-staging-<job>}), and only {@code run_id=<run>} is replaced at commit.</li>
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

    /** Driver-side checks; returns the run ids already committed there. */
    public List<String> check(String runId, boolean resume, boolean overwrite) {
        try {
            if (!fs.exists(root)) {
                return List.of();
            }
            if (!fs.getFileStatus(root).isDirectory()) {
                throw new OutputException("output '" + output + "' exists and is a file");
            }
            if (fs.exists(new Path(root, "_temporary")) && !overwrite) {
                throw new OutputException("output '" + output + "' has a _temporary/ folder left by a crashed job; "
                    + "its files could be published twice. Use --overwrite to replace the output, or remove "
                    + new Path(root, "_temporary") + " if no job is writing there");
            }
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

    /** Ids already written by any run (one column "id", distinct), for --resume. */
    public Dataset<Row> existingIds() {
        return read().select(col("id")).distinct();
    }

    /** Every committed row, all runs (run_id as a column). */
    public Dataset<Row> read() {
        return format == OutputFormat.PARQUET ? spark.read().parquet(output)
            : spark.read().schema(jsonSchemaHint()).json(output);
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

    /** Writes the generated rows as one run; overwrite replaces the whole output folder. */
    public void write(Dataset<Row> rows, boolean overwrite) {
        var w = rows.write().partitionBy(OutputSchema.RUN_ID).mode(SaveMode.Overwrite)
            .option("partitionOverwriteMode", overwrite ? "static" : "dynamic");
        if (format == OutputFormat.PARQUET) {
            w.option("compression", "zstd").parquet(output);
        } else {
            w.option("ignoreNullFields", "false").json(output);
        }
    }

    public FileSystem fs() {
        return fs;
    }

    public Path root() {
        return root;
    }
}
