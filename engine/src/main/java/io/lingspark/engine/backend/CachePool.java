package io.lingspark.engine.backend;

/**
 * A backend's cache storage for one model: blocks × blockSize token rows for every layer of its
 * {@link CacheSpec}, and state slots. It only stores; which sequence holds which block or slot is the
 * runtime's cache manager's business, passed to each step in its ForwardBatch.
 */
public interface CachePool extends AutoCloseable {
    CacheSpec spec();

    int blocks();

    int slots();

    /**
     * Copies block source's rows into block destination in every KV and latent layer (a forked sequence's
     * own copy of a block it shared in part), ordered before the next step's work.
     */
    void copyBlock(int source, int destination);

    /** Zeroes a state slot in every STATE layer (a sequence reset to length 0). */
    void resetState(int slot);

    /** A host copy of slot's recurrent state at local layer {@code layer} [heads, d, d] (tests, debugging). */
    float[] state(int slot, int layer);

    /** Bytes allocated now. */
    long bytes();

    @Override
    void close();
}
