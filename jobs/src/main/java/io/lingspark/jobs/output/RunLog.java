package io.lingspark.jobs.output;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.runtime.ErrorCode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The order in which runs were committed to an output, so "an id's latest row" means the row of the
 * last run that committed it, whatever the run ids are (the default ids sort by time, but a
 * --run-id may be anything). Each committed run gets {@code <output>/_lingspark/runs/<run>.json}, one
 * JSON line {@code {"run_id", "seq", "committed_at"}}, written under the output's claim right after
 * its commit: seq is one more than the highest so far, so with one writer at a time it is the commit
 * order. A run committed without a record (by a version before this one, or by a job that died
 * between its commit and its record) is recorded by the next claimant before anything else, after
 * every recorded run (it can only be newer than them), by run id among themselves.
 */
public final class RunLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String FOLDER = OutputClaim.FOLDER + "/runs";
    public static final StructType SCHEMA = new StructType().add("run_id", DataTypes.StringType, false)
        .add("seq", DataTypes.LongType, false);

    private final FileSystem fs;
    private final Path dir;

    RunLog(FileSystem fs, Path root) {
        this.fs = fs;
        this.dir = new Path(root, FOLDER);
    }

    /** Run id → seq, in commit order (records of runs no longer in the output included). */
    public Map<String, Long> order() throws IOException {
        List<Map.Entry<String, Long>> all = new ArrayList<>();
        FileStatus[] files;
        try {
            files = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return Map.of();
        }
        for (FileStatus f : files) {
            String name = f.getPath().getName();
            if (!f.isFile() || !name.endsWith(".json")) {
                continue;
            }
            try (InputStream in = fs.open(f.getPath())) {
                JsonNode o = JSON.readTree(in);
                all.add(Map.entry(o.path("run_id").asText(), o.path("seq").asLong()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new OutputException("run record " + f.getPath() + " is not valid JSON: " + e.getOriginalMessage());
            }
        }
        all.sort(Map.Entry.comparingByValue());
        Map<String, Long> order = new LinkedHashMap<>();
        all.forEach(e -> order.put(e.getKey(), e.getValue()));
        return order;
    }

    /** Records a committed run as the newest. */
    public long record(String runId) throws IOException {
        long seq = order().values().stream().mapToLong(Long::longValue).max().orElse(0) + 1;
        ObjectNode o = JSON.createObjectNode();
        o.put("run_id", runId);
        o.put("seq", seq);
        o.put("committed_at", Instant.now().toString());
        try (FSDataOutputStream out = fs.create(new Path(dir, runId + ".json"), true)) {
            out.write((o + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return seq;
    }

    /** Records the committed runs that have no record yet (see the class comment), oldest run id first. */
    public void recordMissing(List<String> committed) throws IOException {
        Map<String, Long> known = order();
        List<String> missing = new ArrayList<>(committed.stream().filter(r -> !known.containsKey(r)).toList());
        missing.sort(null);
        for (String r : missing) {
            record(r);
        }
    }

    /** The order as a DataFrame (run_id, seq), for joins with the rows. */
    public Dataset<Row> orderFrame(SparkSession spark) throws IOException {
        List<Row> rows = new ArrayList<>();
        order().forEach((r, s) -> rows.add(RowFactory.create(r, s)));
        return spark.createDataFrame(rows, SCHEMA);
    }

    /**
     * Every id of the output with whether its latest run failed it: (id, failed). A request failed when
     * its row has an error other than INCOMPLETE_OUTPUT (a served request whose answer was cut). The
     * latest run is the highest seq among the runs that hold the id.
     */
    public static Dataset<Row> latestState(Dataset<Row> rows, Dataset<Row> order) {
        var code = col("error.code");
        var failed = when(code.isNotNull().and(code.notEqual(ErrorCode.INCOMPLETE_OUTPUT.name())), lit(1)).otherwise(lit(0));
        // max over (seq, failed): the latest run's seq first, then "failed" if any of its rows for the id failed
        return rows.select(col("id"), col(OutputSchema.RUN_ID), failed.as("_ls_failed"))
            .join(order, OutputSchema.RUN_ID)
            .groupBy(col("id")).agg(max(struct(col("seq"), col("_ls_failed"))).as("_ls_latest"))
            .select(col("id"), col("_ls_latest._ls_failed").equalTo(1).as("failed"));
    }
}
