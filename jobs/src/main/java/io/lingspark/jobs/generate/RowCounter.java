package io.lingspark.jobs.generate;

import io.lingspark.jobs.progress.PartitionCounts;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * Passes a partition through unchanged and adds its row count when the partition is exhausted:
 * the map side of the job's shuffle by id counts the requests there, so no separate counting query
 * runs before generation.
 */
public final class RowCounter implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final PartitionCounts counts;

    public RowCounter(PartitionCounts counts) {
        this.counts = counts;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new Iterator<>() {
            private long n;
            private boolean counted;

            @Override
            public boolean hasNext() {
                boolean more = input.hasNext();
                if (!more && !counted) {
                    counted = true;
                    counts.add(n);
                }
                return more;
            }

            @Override
            public Row next() {
                Row r = input.next();
                n++;
                return r;
            }
        };
    }
}
