package io.lingspark.engine.chat;

/** A chat template failed for one conversation (raise_exception, undefined value, type error). */
public class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
