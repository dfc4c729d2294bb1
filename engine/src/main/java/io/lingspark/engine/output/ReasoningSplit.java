package io.lingspark.engine.output;

/** Result of {@code ReasoningParser.split(text, startsInReasoning)}: reasoning (null if none) and the rest. */
public record ReasoningSplit(String reasoningContent, String content) {
}
