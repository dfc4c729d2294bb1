package io.lingspark.jobs.progress;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.util.AccumulatorV2;

/**
 * A count kept per partition of the stage that adds to it, summed on read. A task adds to its own
 * partition's entry; merging a finished task's entry into the driver's copy replaces that partition's
 * count instead of adding to it, so a partition computed twice (a task retry after its updates were
 * merged, a map stage recomputed after a lost executor, a speculative copy) still counts once. Exact
 * totals are what the job's final check compares the committed output with.
 */
public final class PartitionCounts extends AccumulatorV2<Long, Long> {
    private static final long serialVersionUID = 1L;
    private final HashMap<Integer, Long> counts = new HashMap<>();

    @Override
    public boolean isZero() {
        return counts.isEmpty();
    }

    @Override
    public PartitionCounts copy() {
        PartitionCounts c = new PartitionCounts();
        synchronized (counts) {
            c.counts.putAll(counts);
        }
        return c;
    }

    @Override
    public void reset() {
        synchronized (counts) {
            counts.clear();
        }
    }

    /** Adds n to the running task's partition (partition -1 outside a task, e.g. in unit tests). */
    @Override
    public void add(Long n) {
        TaskContext tc = TaskContext.get();
        int partition = tc == null ? -1 : tc.partitionId();
        synchronized (counts) {
            counts.merge(partition, n, Long::sum);
        }
    }

    @Override
    public void merge(AccumulatorV2<Long, Long> other) {
        Map<Integer, Long> theirs = ((PartitionCounts) other).counts;
        synchronized (counts) {
            synchronized (theirs) {
                counts.putAll(theirs); // replace, never add: see the class comment
            }
        }
    }

    @Override
    public Long value() {
        synchronized (counts) {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
