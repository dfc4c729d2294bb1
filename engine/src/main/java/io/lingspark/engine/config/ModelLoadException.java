package io.lingspark.engine.config;

/**
 * A model directory that cannot be used: missing files, an unsupported architecture, inconsistent
 * dimensions, a corrupt or mismatched tensor. The message always names the file or tensor at fault,
 * because users read it in a driver log seconds after submitting a job.
 */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
