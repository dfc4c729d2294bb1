package io.lingspark.jobs.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import io.lingspark.jobs.output.OutputException;
import io.lingspark.jobs.output.OutputFormat;
import io.lingspark.jobs.output.OutputSchema;
import io.lingspark.jobs.output.OutputStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * An eval output read back as {@link DocResult}s: the latest row of each id (by the output's commit
 * order, as --resume sees it), so a resumed or retried run counts each document once, with its
 * newest answer.
 */
public final class EvalResults {
    private EvalResults() {
    }

    /** An output's documents by task, and the model revision of its latest rows. */
    public record Output(Map<String, List<DocResult>> byTask, String revision) {
    }

    /** Every document of the output, latest row per id, by task (tasks and documents in doc_id order). */
    public static Output read(SparkSession spark, String output, OutputFormat format) {
        OutputStore store = new OutputStore(spark, output, format);
        Dataset<Row> order;
        try {
            order = store.runLog().orderFrame(spark);
        } catch (IOException e) {
            throw new OutputException("cannot read the run records of '" + output + "': " + e.getMessage(), e);
        }
        // JSON has no types: read it with the eval columns (the store's own hint is generate's columns).
        Dataset<Row> all = format == OutputFormat.PARQUET ? store.read()
            : spark.read().schema(EvalKind.COLUMNS.add(OutputSchema.RUN_ID, DataTypes.StringType)).json(output);
        Dataset<Row> rows = all.where(col("choice").equalTo(0)).join(order, OutputSchema.RUN_ID);
        Dataset<Row> latest = rows.withColumn("_ls_rank", row_number().over(Window.partitionBy(col("id"))
                .orderBy(col("seq").desc())))
            .where(col("_ls_rank").equalTo(1))
            .orderBy(col("task"), col("doc_id"));
        Map<String, List<DocResult>> out = new LinkedHashMap<>();
        String revision = null;
        for (Row r : latest.collectAsList()) {
            DocResult d = docResult(r);
            out.computeIfAbsent(d.task(), k -> new ArrayList<>()).add(d);
            revision = revision != null ? revision : r.getAs("model_revision");
        }
        return new Output(out, revision);
    }

    static DocResult docResult(Row r) {
        Row error = r.getAs("error");
        List<Double> lls = r.isNullAt(r.fieldIndex("choice_logprobs")) ? null : r.getList(r.fieldIndex("choice_logprobs"));
        Map<String, Double> scores = r.isNullAt(r.fieldIndex("scores")) ? null : r.getJavaMap(r.fieldIndex("scores"));
        Map<String, String> filtered = r.isNullAt(r.fieldIndex("filtered")) ? null : r.getJavaMap(r.fieldIndex("filtered"));
        return new DocResult(r.getAs("task"), ((Number) r.getAs("doc_id")).intValue(), scores, r.getAs("prediction"), r.getAs("target"),
            filtered, lls, r.getAs("confidence"), r.getAs("correct"), r.getAs("loglikelihood"),
            r.getAs("words"), r.getAs("bytes"),
            error == null ? null : error.getString(0), error == null ? null : error.getString(1));
    }
}
