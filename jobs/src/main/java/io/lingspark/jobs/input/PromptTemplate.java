package io.lingspark.jobs.input;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.StructType;

/**
 * --prompt-template and --system: each row's chat messages ([system?, user]) built from its columns on
 * the driver's plan, as Spark expressions, so a CSV of texts becomes chat requests without a messages
 * column and the executors parse them like any other messages. {@code {column}} is the row's value as
 * text; {@code {{} and {@code }}} are literal braces. A null value renders as empty text: the row is
 * still asked (a labeling set with a few blank texts keeps every row), and the output's id is its own.
 */
public record PromptTemplate(String system, String template) implements Serializable {
    /** Literal text and column names, in order; a column name is a segment whose column is set. */
    private record Segment(String text, String column) {
    }

    /** Checks the template's syntax up front (a usage error before Spark starts). */
    public PromptTemplate {
        if (template != null) {
            segments(template);
        }
    }

    static List<Segment> segments(String t) {
        List<Segment> out = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < t.length() && t.charAt(i + 1) == c) {
                lit.append(c);
                i++;
            } else if (c == '{') {
                int end = t.indexOf('}', i);
                if (end < 0) {
                    throw new IllegalArgumentException("--prompt-template has a '{' without '}' at " + i
                        + " (write {{ for a literal brace)");
                }
                String name = t.substring(i + 1, end);
                if (name.isEmpty() || name.contains("{")) {
                    throw new IllegalArgumentException("--prompt-template has an empty or nested placeholder at " + i
                        + " (write {{ and }} for literal braces)");
                }
                if (lit.length() > 0) {
                    out.add(new Segment(lit.toString(), null));
                    lit.setLength(0);
                }
                out.add(new Segment(null, name));
                i = end;
            } else if (c == '}') {
                throw new IllegalArgumentException("--prompt-template has a '}' without '{' at " + i
                    + " (write }} for a literal brace)");
            } else {
                lit.append(c);
            }
        }
        if (lit.length() > 0) {
            out.add(new Segment(lit.toString(), null));
        }
        return out;
    }

    /** The columns the template names, each checked against the input (a usage error listing the columns). */
    List<String> columns(StructType schema) {
        List<String> names = Arrays.asList(schema.fieldNames());
        List<String> cols = new ArrayList<>();
        for (Segment s : template == null ? List.<Segment>of() : segments(template)) {
            if (s.column() != null) {
                if (!names.contains(s.column())) {
                    throw new IllegalArgumentException("--prompt-template names column '" + s.column()
                        + "', which is not in the input; columns: " + names);
                }
                cols.add(s.column());
            }
        }
        return cols;
    }

    /**
     * The messages JSON of a row: [system?, user: the filled template], or [system?, user: prompt]
     * without a template; null where there is no user text (no template and a null prompt), so the
     * row stays an EMPTY_PROMPT error as without --system.
     */
    Column messages(StructType schema, Column prompt) {
        Column user;
        if (template != null) {
            columns(schema);
            List<Column> parts = new ArrayList<>();
            for (Segment s : segments(template)) {
                parts.add(s.column() == null ? lit(s.text())
                    : coalesce(col(InputReader.q(s.column())).cast("string"), lit("")));
            }
            user = parts.isEmpty() ? lit("") : concat(parts.toArray(Column[]::new));
        } else {
            user = prompt;
        }
        List<Column> ms = new ArrayList<>();
        if (system != null) {
            ms.add(struct(lit("system").as("role"), lit(system).as("content")));
        }
        ms.add(struct(lit("user").as("role"), user.as("content")));
        return when(user.isNotNull(), to_json(array(ms.toArray(Column[]::new))));
    }
}
