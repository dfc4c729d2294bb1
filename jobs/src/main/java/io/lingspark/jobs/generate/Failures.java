package io.lingspark.jobs.generate;

import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.command.ExitCodes.CommandException;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.jobs.input.InputException;
import io.lingspark.jobs.output.OutputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkThrowable;

/**
 * Turns whatever ended a job into its exit code and one line a person (or Airflow's log) can act on.
 * A Spark job failure arrives as a SparkException whose message holds the failed task's whole stack
 * trace; what matters is the root cause at the bottom of the chain ("No space left on device"), and
 * what kind of failure it was: an executor that could not load the model (3), a file of the input
 * that could not be read (4), a task that could not write its rows or a commit that could not move
 * them (5: any I/O error the write path raised), else 1. The whole chain goes to the log.
 */
final class Failures {
    /** Spark's error conditions (SparkThrowable.getCondition) for the read and write sides of a job. */
    private static final String WRITE_FAILED = "TASK_WRITE_FAILED";
    private static final String READ_FAILED = "FAILED_READ_FILE";

    private Failures() {
    }

    static CommandException classify(Throwable t, String output) {
        if (t instanceof CommandException c) {
            return c;
        }
        if (t instanceof IllegalArgumentException) { // thrown on the driver by a check of ours: a usage error, as before
            return new CommandException(ExitCodes.USAGE, oneLine(t.getMessage()), t);
        }
        List<Throwable> chain = chain(t);
        Throwable root = chain.get(chain.size() - 1);
        for (Throwable c : chain) {
            if (c instanceof ModelLoadException m) {
                return new CommandException(ExitCodes.MODEL, (c == t ? "model error: " : "model error on an executor: ")
                    + oneLine(m.getMessage()), t);
            }
            if (c instanceof InputException i) {
                return new CommandException(ExitCodes.INPUT, "input error: " + oneLine(i.getMessage()), t);
            }
            if (c instanceof OutputException o) {
                return new CommandException(ExitCodes.OUTPUT, "output error: " + oneLine(o.getMessage()), t);
            }
        }
        if (hasCondition(chain, READ_FAILED)) {
            return new CommandException(ExitCodes.INPUT, "input error: cannot read the input: " + describe(root), t);
        }
        boolean io = chain.stream().anyMatch(c -> c instanceof IOException || c instanceof java.io.UncheckedIOException);
        // A task's I/O error surfaces as TASK_WRITE_FAILED; a failed job commit as the bare IOException.
        if (io && (hasCondition(chain, WRITE_FAILED) || chain.stream().noneMatch(c -> c instanceof SparkThrowable))) {
            return new CommandException(ExitCodes.OUTPUT, "output error: cannot write to '" + output + "': "
                + describe(root), t);
        }
        if (root instanceof OutOfMemoryError) {
            return new CommandException(ExitCodes.UNEXPECTED, "out of memory: " + describe(root)
                + " (give the driver or the executors more memory, or lower --max-in-flight / --max-running)", t);
        }
        return new CommandException(ExitCodes.UNEXPECTED, "failed: " + root.getClass().getSimpleName() + ": "
            + describe(root), t);
    }

    /** The cause chain from t down to its root (cycles cut). */
    static List<Throwable> chain(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c) && chain.size() < 64; c = c.getCause()) {
            chain.add(c);
        }
        return chain;
    }

    private static boolean hasCondition(List<Throwable> chain, String prefix) {
        for (Throwable c : chain) {
            if (c instanceof SparkThrowable s && s.getCondition() != null && s.getCondition().startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable root) {
        String m = root.getMessage();
        return m == null || m.isBlank() ? root.getClass().getSimpleName() : oneLine(m);
    }

    /** The first line of a message, trimmed: Spark's messages go on with a stack trace. */
    static String oneLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String s = message.strip();
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
