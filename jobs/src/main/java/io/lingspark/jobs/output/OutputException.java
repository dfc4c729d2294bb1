package io.lingspark.jobs.output;

/** The output cannot be written as asked (leftovers, existing runs, I/O): exit code 5. */
public final class OutputException extends RuntimeException {
    public OutputException(String message) {
        super(message);
    }

    public OutputException(String message, Throwable cause) {
        super(message, cause);
    }
}
