package io.lingspark.jobs.input;

import java.io.Serializable;
import java.util.List;

/**
 * What to read and which columns hold what. Null column names mean "use the conventional column
 * (id, prompt, messages, tools, params) when the input has it". chat (null: none) is --system and
 * --prompt-template: rows without their own messages become chat requests built from their columns.
 */
public record InputSpec(String input, InputFormat format, String idColumn, String promptColumn,
                        String messagesColumn, String toolsColumn, String paramsColumn,
                        List<String> keepColumns, PromptTemplate chat) implements Serializable {
    /** An input without --system or --prompt-template. */
    public InputSpec(String input, InputFormat format, String idColumn, String promptColumn, String messagesColumn,
                     String toolsColumn, String paramsColumn, List<String> keepColumns) {
        this(input, format, idColumn, promptColumn, messagesColumn, toolsColumn, paramsColumn, keepColumns, null);
    }

    public InputSpec {
        keepColumns = keepColumns == null ? List.of() : List.copyOf(keepColumns);
    }

    public InputSpec withFormat(InputFormat f) {
        return new InputSpec(input, f, idColumn, promptColumn, messagesColumn, toolsColumn, paramsColumn, keepColumns, chat);
    }
}
