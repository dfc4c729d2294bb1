package io.lingspark.jobs.pipeline;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * One task of a batch's barrier stage: which pipeline and rank it is, and, for rank 0 only, the
 * batch's rows of that pipeline (sorted by id, duplicates already folded on the driver).
 */
public record RankTask(int batch, int pipeline, int rank, List<Row> rows) implements Serializable {
    private static final long serialVersionUID = 1L;
}
