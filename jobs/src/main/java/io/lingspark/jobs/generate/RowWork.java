package io.lingspark.jobs.generate;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.jobs.progress.JobMetrics;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Row;

/**
 * What a job does with each input row on an executor's engine: generate a completion, score labels,
 * evaluate a document. {@link PartitionGenerator} owns everything around it that every job shares (the
 * engine per executor, the window of rows in flight, folding repeated ids, task kills and retries);
 * a RowWork only turns one canonical row into engine work and the finished work into output rows.
 */
public interface RowWork extends Serializable {
    /** A task's view: its engine and attempt (output rows record the attempt). */
    Task open(Engine engine, int attempt);

    interface Task {
        /**
         * Starts the work of one canonical row ({@link io.lingspark.jobs.input.Canonical}: id, prompt,
         * messages, tools, params, corrupt line, then the kept columns). A problem of the row itself is
         * an item whose rows are error rows, never an exception.
         */
        Item submit(String id, Row canonical);
    }

    /** One row's work in flight. */
    interface Item {
        /** Completes (normally) when the rows are ready. */
        CompletableFuture<?> done();

        /** The output rows, the kept values placed after the job's own columns and run_id last. */
        List<Row> rows(Object[] kept);

        /**
         * Text pieces generated so far while the row is in flight (about one a token: a piece that ends
         * mid-character waits for the next), for progress before the row finishes; its exact tokens
         * are counted when it does.
         */
        default long streamed() {
            return 0;
        }

        /** Adds the row's counts (requests, tokens, errors by code) to the job's metrics. */
        void count(JobMetrics metrics);

        /** The task failed or was killed: take the work out of the engine's batch. */
        void abort();
    }
}
