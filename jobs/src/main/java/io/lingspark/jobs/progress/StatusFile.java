package io.lingspark.jobs.progress;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;

/**
 * The --status-file: a small JSON document an Airflow sensor (or a person) polls, on any Hadoop
 * filesystem ({@link StatusTarget}: local, HDFS, object stores). Each write replaces the whole
 * document atomically, so a reader never sees half of it. Holds counts only, never row data.
 *
 * <p>Its last state is always terminal ({@code succeeded} or {@code failed}) when the driver ends
 * normally: once one is written nothing overwrites it. A driver that is killed cannot write one, so
 * every write carries {@code heartbeat_at}, and {@link #startHeartbeat} rewrites the latest snapshot
 * whenever nothing else wrote for a period: a {@code running} file whose heartbeat stopped is a dead
 * job, one whose heartbeat moves is a slow one.
 */
public final class StatusFile implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String location;
    private final StatusTarget target;
    private Snapshot latest;
    private String updatedAt;
    private boolean terminal;
    private long lastWriteNanos;
    private ScheduledExecutorService heartbeat;

    public StatusFile(Path path) {
        this(path.toString(), new Configuration());
    }

    /**
     * @param location a local path, or a URI of any Hadoop filesystem (hdfs://, s3a://, gs://, file:)
     * @param conf     the Hadoop configuration of the filesystems (spark.hadoop.* settings included)
     * @throws IllegalArgumentException when no filesystem serves the location
     */
    public StatusFile(String location, Configuration conf) {
        this.location = location;
        this.target = StatusTarget.of(location, conf);
    }

    /** The driver's Hadoop configuration before Spark starts: core-site.xml plus spark.hadoop.* of the Spark conf. */
    public static Configuration driverConf() {
        return org.apache.spark.deploy.SparkHadoopUtil.get().newConfiguration(new org.apache.spark.SparkConf(true));
    }

    /** How a write replaces the document ("move", "rename" or "put"), see {@link StatusTarget}. */
    String mode() {
        return target.mode();
    }

    public static boolean isTerminal(String state) {
        return state.equals("succeeded") || state.equals("failed");
    }

    /**
     * A snapshot of the run.
     *
     * @param prefixCacheHitRate prompt tokens the engines served from their prefix caches / prompt tokens
     *                           read (over every choice), or null when not known
     */
    public record Snapshot(String state, String runId, String output, long rowsTotal, long rowsDone,
                           Map<String, Long> errorsByCode, long tokensIn, long tokensOut, double elapsedS,
                           String message, Double prefixCacheHitRate) {
        public Snapshot(String state, String runId, String output, long rowsTotal, long rowsDone,
                        Map<String, Long> errorsByCode, long tokensIn, long tokensOut, double elapsedS, String message) {
            this(state, runId, output, rowsTotal, rowsDone, errorsByCode, tokensIn, tokensOut, elapsedS, message, null);
        }

        public long errors() {
            return errorsByCode.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Seconds left at the current row rate, or -1 before the first row is done. */
        public double etaS() {
            if (rowsDone <= 0 || elapsedS <= 0) {
                return -1;
            }
            return Math.max(0, (rowsTotal - rowsDone) / (rowsDone / elapsedS));
        }
    }

    /**
     * Writes a snapshot, unless a terminal one was written before (a late progress tick must not turn
     * "failed" back into "running"). Returns whether it was written.
     */
    public synchronized boolean write(Snapshot s) {
        if (terminal) {
            return false;
        }
        latest = s;
        updatedAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
        terminal = isTerminal(s.state());
        lastWriteNanos = System.nanoTime();
        writeFile(s);
        return true;
    }

    /** Writes "failed" with the latest counts and this message, unless a terminal state was written already. */
    public synchronized void fail(String runId, String output, String message) {
        Snapshot l = latest;
        write(l == null ? new Snapshot("failed", runId, output, 0, 0, Map.of(), 0, 0, 0, message)
            : new Snapshot("failed", l.runId(), l.output(), l.rowsTotal(), l.rowsDone(), l.errorsByCode(), l.tokensIn(),
                l.tokensOut(), l.elapsedS(), message, l.prefixCacheHitRate()));
    }

    public synchronized boolean finished() {
        return terminal;
    }

    /** Rewrites the latest snapshot (with a new heartbeat_at) whenever nothing was written for a period. */
    public synchronized void startHeartbeat(long periodMs) {
        if (heartbeat != null) {
            return;
        }
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lingspark-status-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleAtFixedRate(() -> {
            synchronized (this) {
                if (!terminal && latest != null && System.nanoTime() - lastWriteNanos >= periodMs * 900_000L) {
                    lastWriteNanos = System.nanoTime();
                    writeFile(latest);
                }
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        ScheduledExecutorService h;
        synchronized (this) {
            h = heartbeat;
        }
        if (h != null) {
            h.shutdownNow();
            try {
                h.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writeFile(Snapshot s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("state", s.state());
        o.put("run_id", s.runId());
        o.put("output", s.output());
        o.put("rows_total", s.rowsTotal());
        o.put("rows_done", s.rowsDone());
        o.put("rows_error", s.errors());
        ObjectNode e = o.putObject("errors_by_code");
        s.errorsByCode().forEach((k, v) -> {
            if (v > 0) {
                e.put(k, v);
            }
        });
        o.put("tokens_in", s.tokensIn());
        o.put("tokens_out", s.tokensOut());
        o.put("elapsed_s", Math.round(s.elapsedS() * 10) / 10.0);
        double eta = s.etaS();
        if (eta < 0) {
            o.putNull("eta_s");
        } else {
            o.put("eta_s", Math.round(eta * 10) / 10.0);
        }
        o.put("tokens_per_s", s.elapsedS() > 0 ? Math.round(s.tokensOut() / s.elapsedS() * 10) / 10.0 : 0);
        if (s.prefixCacheHitRate() == null) {
            o.putNull("prefix_cache_hit_rate");
        } else {
            o.put("prefix_cache_hit_rate", Math.round(s.prefixCacheHitRate() * 10000) / 10000.0);
        }
        if (s.message() != null) {
            o.put("message", s.message());
        }
        // updated_at: when these numbers were taken; heartbeat_at: when the driver last wrote the file
        o.put("updated_at", updatedAt);
        o.put("heartbeat_at", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
        try {
            target.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
        } catch (IOException | RuntimeException ex) {
            // Progress reporting must never fail the job; the next tick tries again.
            System.err.println("lingspark: cannot write status file " + location + ": " + ex.getMessage());
        }
    }
}
