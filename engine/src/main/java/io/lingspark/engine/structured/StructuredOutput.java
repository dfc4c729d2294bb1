package io.lingspark.engine.structured;

import java.util.List;

/**
 * A request's output constraint (vLLM {@code structured_outputs}, OpenAI {@code response_format}): the
 * answer must be one of {@code choices}, match {@code regex} in full, be a JSON document valid against
 * {@code jsonSchema}, or be any JSON object. Plain data; {@link GrammarCompiler} turns it into an
 * automaton and the engine compiles each distinct constraint once (see {@link #key()}).
 *
 * @param choices    CHOICE: the allowed answers, non-empty strings
 * @param regex      REGEX: the pattern the whole answer matches (anchors optional)
 * @param jsonSchema JSON_SCHEMA: the schema as JSON text
 */
public record StructuredOutput(Kind kind, List<String> choices, String regex, String jsonSchema) {
    public enum Kind { CHOICE, REGEX, JSON_SCHEMA, JSON_OBJECT }

    public StructuredOutput {
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    public static StructuredOutput choice(List<String> choices) {
        return new StructuredOutput(Kind.CHOICE, choices, null, null);
    }

    public static StructuredOutput regex(String regex) {
        return new StructuredOutput(Kind.REGEX, null, regex, null);
    }

    public static StructuredOutput jsonSchema(String schemaJson) {
        return new StructuredOutput(Kind.JSON_SCHEMA, null, null, schemaJson);
    }

    public static StructuredOutput jsonObject() {
        return new StructuredOutput(Kind.JSON_OBJECT, null, null, null);
    }

    /** True for the kinds whose answer is a JSON document. */
    public boolean isJson() {
        return kind == Kind.JSON_SCHEMA || kind == Kind.JSON_OBJECT;
    }

    /** Shape checks only (the grammar is checked when it is compiled); ConstraintException naming the problem. */
    public StructuredOutput validate() {
        switch (kind) {
            case CHOICE -> {
                check(!choices.isEmpty(), "choice: at least one choice is required");
                for (String c : choices) {
                    check(c != null && !c.isEmpty(), "choice: choices must be non-empty strings");
                }
            }
            case REGEX -> check(regex != null && !regex.isEmpty(), "regex: a non-empty pattern is required");
            case JSON_SCHEMA -> check(jsonSchema != null && !jsonSchema.isBlank(), "json_schema: a schema is required");
            case JSON_OBJECT -> { }
        }
        return this;
    }

    /** Identifies the compiled grammar: equal keys, equal languages. */
    public String key() {
        return switch (kind) {
            case CHOICE -> "choice:" + String.join("\u0000", choices);
            case REGEX -> "regex:" + regex;
            case JSON_SCHEMA -> "schema:" + jsonSchema;
            case JSON_OBJECT -> "object";
        };
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new ConstraintException(message);
        }
    }
}
