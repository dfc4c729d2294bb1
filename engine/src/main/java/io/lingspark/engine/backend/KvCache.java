package io.lingspark.engine.backend;

/**
 * The attention cache of one sequence, all layers: post-RoPE keys and values, [layers][tokens, nkv·d].
 * Owned by a backend; {@link #length()} tokens are filled. Freed with {@link #close()}.
 */
public interface KvCache extends AutoCloseable {
    int length();

    /** Marks n tokens as filled, after a step wrote positions [length(), n) in every layer. */
    void commit(int n);

    /** Forget everything after the first n tokens (preemption, re-prefill). */
    void truncate(int n);

    /** Bytes held now. */
    long bytes();

    @Override
    void close();
}
