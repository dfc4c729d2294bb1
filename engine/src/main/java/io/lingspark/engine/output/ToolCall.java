package io.lingspark.engine.output;

/** One parsed tool call; arguments is a JSON object serialised as a string (OpenAI shape). */
public record ToolCall(String id, String name, String arguments) {
}
