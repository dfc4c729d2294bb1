package io.lingspark.engine.tokenizer;

import java.util.OptionalInt;

/**
 * Text ↔ token ids with Hugging Face {@code tokenizers} semantics (ling-architecture.md §3.1).
 * Implementations are immutable and thread-safe; one instance serves every request of an engine.
 */
public interface Tokenizer {
    /** Ids for text: added and special tokens matched first, then normalizer, pre-tokenizer, BPE. No BOS is added. */
    int[] encode(String text);

    /**
     * Text for ids. Special tokens are kept unless skipSpecial. Ids with no token (the padding rows
     * between the tokenizer's size and the model's vocab_size) decode to nothing, without error.
     */
    String decode(int[] ids, boolean skipSpecial);

    /** A fresh streaming decoder (one per sequence; not thread-safe). */
    IncrementalDecoder newIncrementalDecoder(boolean skipSpecial);

    /** The id of a vocabulary or added token given by its exact content. */
    OptionalInt tokenId(String token);

    /** The content of a token id, or null for an id with no token. */
    String token(int id);

    /** Whether id is an added token marked special. */
    boolean isSpecial(int id);

    /**
     * The bytes a model-vocabulary id stands for in decoded text (byte-level symbols mapped back to bytes;
     * possibly part of a UTF-8 character), or null for an added token (special or not) and an id with no
     * token. Structured output builds its token index from these.
     */
    byte[] vocabularyBytes(int id);

    /** Number of ids with a token (the highest id + 1). */
    int size();

    /** Streaming detokenizer: text only at complete UTF-8 characters. */
    interface IncrementalDecoder {
        /** Adds one id; returns the newly completed text (possibly empty). */
        String add(int id);

        /** Whatever is still held (an incomplete character at the end becomes U+FFFD). */
        String flush();
    }
}
