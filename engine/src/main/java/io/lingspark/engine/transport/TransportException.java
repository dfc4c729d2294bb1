package io.lingspark.engine.transport;

/** A pipeline link failed: a peer is gone, silent past the timeout, refused the secret, or sent garbage. */
public class TransportException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
