package io.lingspark.jobs.progress;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Driver-side progress while the job runs: a one-line console bar (local runs on a terminal), plain
 * log lines where no terminal is attached (Airflow's task log, YARN's container log: a bar's
 * carriage returns are one unreadable line there), and the status file, all refreshed from
 * {@link ProgressListener#live()} by a daemon thread. The last bar or line is the summary's numbers.
 */
public final class ProgressReporter implements AutoCloseable {
    private final ProgressListener listener;
    private final StatusFile status;
    private final PrintStream console;
    private final PrintStream log;
    private final long logPeriodNanos;
    private final String name;
    private long lastLogNanos;
    private final String runId;
    private final String output;
    private final LongSupplier rowsIn;
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService timer;

    /**
     * @param status  null: no status file
     * @param console null: no progress bar
     * @param log     null: no plain progress lines; else one every logPeriodMs, and a last one
     * @param name    the command, which starts each plain line ("lingspark NAME: progress ...")
     * @param rowsIn  request rows read so far (known once the input is scanned; 0 before). The total
     *                shown is that minus the rows folded into another row with the same id so far
     */
    public ProgressReporter(ProgressListener listener, StatusFile status, PrintStream console, PrintStream log,
                            long logPeriodMs, String name, String runId, String output, LongSupplier rowsIn,
                            long periodMs) {
        this.listener = listener;
        this.status = status;
        this.console = console;
        this.log = log;
        this.logPeriodNanos = logPeriodMs * 1_000_000L;
        this.name = name;
        this.lastLogNanos = startNanos;
        this.runId = runId;
        this.output = output;
        this.rowsIn = rowsIn;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lingspark-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::tick, 0, periodMs, TimeUnit.MILLISECONDS);
    }

    public double elapsedS() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** The current live snapshot in state "running". */
    public StatusFile.Snapshot snapshot() {
        Map<String, Long> live = listener.live();
        Map<String, Long> errors = new LinkedHashMap<>();
        live.forEach((k, v) -> {
            if (k.startsWith("error.") && v > 0) {
                errors.put(k.substring(6), v);
            }
        });
        long total = Math.max(0, rowsIn.getAsLong() - live.getOrDefault("rows_folded", 0L));
        return new StatusFile.Snapshot("running", runId, output, total, live.getOrDefault("requests", 0L), errors,
            live.getOrDefault("tokens_in", 0L),
            live.getOrDefault("tokens_out", 0L) + Math.max(0, live.getOrDefault("tokens_out_in_flight", 0L)), elapsedS(), null,
            JobMetrics.hitRate(live.getOrDefault("cached_prompt_tokens", 0L), live.getOrDefault("choice_prompt_tokens", 0L)));
    }

    private void tick() {
        try {
            StatusFile.Snapshot s = snapshot();
            if (status != null) {
                status.write(s);
            }
            if (console != null) {
                console.print("\r" + bar(s));
                console.flush();
            }
            if (log != null && System.nanoTime() - lastLogNanos >= logPeriodNanos) {
                lastLogNanos = System.nanoTime();
                log.println(line(name, s));
            }
        } catch (RuntimeException e) {
            // never let progress reporting disturb the job
        }
    }

    static String bar(StatusFile.Snapshot s) {
        int width = 30;
        double f = s.rowsTotal() <= 0 ? 0 : Math.min(1, (double) s.rowsDone() / s.rowsTotal());
        int full = (int) Math.round(f * width);
        double eta = s.etaS();
        return String.format("[%s%s] %d/%d rows %3.0f%%  %d err  %.0f tok/s  ETA %s   ",
            "#".repeat(full), ".".repeat(width - full), s.rowsDone(), s.rowsTotal(), f * 100, s.errors(),
            s.elapsedS() > 0 ? s.tokensOut() / s.elapsedS() : 0, eta < 0 ? "?" : String.format("%.0fs", eta));
    }

    /**
     * A plain progress line for logs: rows done/total, errors, tokens out, tokens/s, ETA. Not
     * "lingspark NAME:", which starts the job's own messages (a failure is one such line).
     */
    static String line(String name, StatusFile.Snapshot s) {
        double eta = s.etaS();
        String state = s.state().equals("running") ? "" : s.state() + " ";
        return String.format("lingspark %s progress: %s%d/%d rows (%.0f%%), %d errors, %d tokens out, %.1f tok/s, %s",
            name, state, s.rowsDone(), s.rowsTotal(), s.rowsTotal() <= 0 ? 0.0 : Math.min(100.0, 100.0 * s.rowsDone() / s.rowsTotal()),
            s.errors(), s.tokensOut(), s.elapsedS() > 0 ? s.tokensOut() / s.elapsedS() : 0,
            !s.state().equals("running") ? String.format("%.1fs", s.elapsedS())
                : "ETA " + (eta < 0 ? "?" : String.format("%.0fs", eta)));
    }

    /** Stops the timer; writes the last state (final, or the last "running" one of a failed run) to the status file. */
    public void finish(StatusFile.Snapshot last) {
        close();
        if (console != null) {
            console.println("\r" + bar(last));
        }
        if (log != null && last != null) {
            log.println(line(name, last));
        }
        if (status != null && last != null) {
            status.write(last);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS); // no tick may still be writing after this
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
