package io.lingspark.jobs.input;

import java.io.Serializable;
import java.util.List;

/**
 * What to read and which columns hold what. Null column names mean "use the conventional column
 * (id, prompt, messages, tools, params) when the input has it".
 */
public record InputSpec(String input, InputFormat format, String idColumn, String promptColumn,
                        String messagesColumn, String toolsColumn, String paramsColumn,
                        List<String> keepColumns) implements Serializable {
    public InputSpec {
        keepColumns = keepColumns == null ? List.of() : List.copyOf(keepColumns);
    }
}
