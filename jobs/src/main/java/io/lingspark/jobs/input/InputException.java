package io.lingspark.jobs.input;

/** The input cannot be read or lacks the columns asked for: exit code 4, one line, before any task runs. */
public final class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
