package io.lingspark.engine.structured;

/**
 * A constraint that cannot be compiled: bad or unsupported input, named with its keyword or construct
 * and where it is. The engine reports it as the request's INVALID_PARAMS error (this package stays
 * below the runtime, so it has its own exception).
 */
public final class ConstraintException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConstraintException(String message) {
        super(message);
    }
}
