package io.lingspark.jobs.progress;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;

/**
 * The --status-file: a small JSON document an Airflow sensor (or a person) polls. Written to a
 * temporary file and moved over the old one, so a reader never sees half a document. Holds counts
 * only, never row data.
 */
public final class StatusFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path path;

    public StatusFile(Path path) {
        this.path = path;
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

    public void write(Snapshot s) {
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
        o.put("updated_at", Instant.now().toString());
        try {
            Path parent = path.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".status", ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), o);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            // Progress reporting must never fail the job; the next tick tries again.
            System.err.println("lingspark: cannot write status file " + path + ": " + ex.getMessage());
        }
    }
}
