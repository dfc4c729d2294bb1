package io.lingspark.engine.backend;

/** A read-only weight [rows, cols] owned by a backend; vectors are [1, n]. */
public interface Weight {
    int rows();

    int cols();

    /** Bytes one full read of this weight moves (for bandwidth bounds). */
    long bytes();
}
