package io.lingspark.jobs.eval;

/**
 * A task file LingSpark cannot run as written: an unsupported or misspelt key, a value of the wrong
 * type, Python code ({@code !function}), a Hugging Face Hub dataset that is not on disk, a data file
 * that is missing. The message names the file and the key. The eval job reports it as an input error
 * (exit 4) before any model is loaded.
 */
public final class TaskConfigException extends RuntimeException {
    public TaskConfigException(String message) {
        super(message);
    }

    public TaskConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
