package io.lingspark.engine.command;

import io.lingspark.engine.config.ModelLoadException;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/**
 * Exit codes shared by every {@code bin/lingspark} command, so scripts and Airflow can tell a typo
 * from a broken model from bad data: 0 ok, 1 unexpected, 2 usage, 3 model, 4 input, 5 output,
 * 6 too many row errors (jobs).
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int UNEXPECTED = 1;
    public static final int USAGE = 2;
    public static final int MODEL = 3;
    public static final int INPUT = 4;
    public static final int OUTPUT = 5;
    public static final int ERROR_RATE = 6;

    private ExitCodes() {
    }

    /** A failure a command reports as one line and an exit code. */
    public static final class CommandException extends RuntimeException {
        public final int exitCode;

        public CommandException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        public CommandException(int exitCode, String message, Throwable cause) {
            super(message, cause);
            this.exitCode = exitCode;
        }
    }

    /** Runs a command body, turning known failures into one line on err and their exit code. */
    public static int run(String command, PrintStream err, java.util.concurrent.Callable<Integer> body) {
        try {
            return body.call();
        } catch (CommandException e) {
            err.println("lingspark " + command + ": " + e.getMessage());
            return e.exitCode;
        } catch (ModelLoadException e) {
            err.println("lingspark " + command + ": model error: " + e.getMessage());
            return MODEL;
        } catch (UncheckedIOException e) {
            err.println("lingspark " + command + ": I/O error: " + e.getMessage());
            return OUTPUT;
        } catch (IllegalArgumentException e) {
            err.println("lingspark " + command + ": " + e.getMessage());
            return USAGE;
        } catch (Exception e) {
            err.println("lingspark " + command + ": unexpected error: " + e);
            return UNEXPECTED;
        }
    }
}
