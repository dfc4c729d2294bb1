package io.lingspark.engine.runtime;

/** Typed request errors. Spark output rows carry {@link #name()} as error.code. */
public enum ErrorCode {
    /** Null or empty prompt, no messages, several inputs given at once. */
    EMPTY_PROMPT,
    /** Messages that are not a list of objects with a string role, malformed JSON. */
    BAD_MESSAGES,
    /** The row itself is not a JSON object: a malformed JSONL line, an OpenAI batch body that is not an object. */
    BAD_JSON,
    /** A role the template does not know (allowed: system, user, assistant, tool). */
    UNKNOWN_ROLE,
    /** A sampling parameter out of range or of the wrong type. */
    INVALID_PARAMS,
    /** The prompt leaves no room for generation in the model's context. */
    PROMPT_TOO_LONG,
    /** A token id outside the model's vocabulary. */
    INVALID_TOKEN,
    /** The chat template raised or failed for this conversation. */
    TEMPLATE_ERROR,
    /** Anything unexpected inside the engine while serving this request. */
    ENGINE_ERROR,
    /** A constrained answer (structured output) ended before its constraint accepted it: cut by max_tokens or a stop string. */
    INCOMPLETE_OUTPUT,
    /** The engine was closed before the request finished. */
    CANCELLED
}
