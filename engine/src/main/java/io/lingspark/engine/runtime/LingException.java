package io.lingspark.engine.runtime;

/** A typed error about one request. Never escapes {@link Engine#submit}: it becomes the result's error. */
public class LingException extends RuntimeException {
    private final ErrorCode code;

    public LingException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public LingException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
