package io.lingspark.jobs.eval;

/**
 * One document cannot be prompted or scored (a template fails on it, its target is not one of its
 * choices, ...). It becomes that document's error, with a stable code; the other documents go on.
 */
final class DocException extends RuntimeException {
    final String code;

    DocException(String code, String message) {
        super(message);
        this.code = code;
    }

    DocException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }
}
