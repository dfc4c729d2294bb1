package io.lingspark.engine.output;

import java.util.List;

/**
 * Result of {@code ToolCallParser.parse(text)}: the text with well-formed blocks taken out, the calls,
 * and why a block was kept as text (null when every block parsed).
 */
public record ParsedToolCalls(String content, List<ToolCall> toolCalls, String parseError) {
}
