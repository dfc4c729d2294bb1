package io.lingspark.jobs.input;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The id a malformed JSONL line visibly has. A line that does not parse is still one row with an
 * error, and the user looks its result up by the id they gave it; hashing the line instead would
 * hide the row under an id nobody knows. The line is scanned leniently from the start: strings (with
 * their escapes) and nesting are followed, and the first key of the top-level object with the id's
 * name that has a string or number value gives the id. The scan stops where the line stops making
 * sense (an unterminated string) or where the top-level object closes.
 */
final class CorruptLines {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?");

    private CorruptLines() {
    }

    /** The value of top-level key {@code key} in a malformed line, as the reader would give it, or null. */
    static String topLevelValue(String line, String key) {
        if (line == null || key == null) {
            return null;
        }
        int i = skipSpace(line, 0);
        if (i >= line.length() || line.charAt(i) != '{') {
            return null;
        }
        int depth = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '"') {
                int end = stringEnd(line, i);
                if (end < 0) {
                    return null;
                }
                int colon = skipSpace(line, end + 1);
                if (depth == 1 && colon < line.length() && line.charAt(colon) == ':'
                    && key.equals(decode(line.substring(i, end + 1)))) {
                    return value(line, skipSpace(line, colon + 1));
                }
                i = end + 1;
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && --depth <= 0) {
                return null;
            }
            i++;
        }
        return null;
    }

    /** A Spark column: {@link #topLevelValue} of the line in {@code corrupt}, null where it is null. */
    static Column idOf(Column corrupt, String key) {
        UserDefinedFunction f = functions.udf((UDF2<String, String, String>) CorruptLines::topLevelValue,
            DataTypes.StringType);
        return f.apply(corrupt, functions.lit(key));
    }

    private static String value(String line, int i) {
        if (i >= line.length()) {
            return null;
        }
        if (line.charAt(i) == '"') {
            int end = stringEnd(line, i);
            return end < 0 ? null : decode(line.substring(i, end + 1));
        }
        Matcher m = NUMBER.matcher(line).region(i, line.length());
        return m.lookingAt() ? m.group() : null; // the number's text, as the reader keeps an id's
    }

    /** The index of the quote closing the string that opens at {@code start}, or -1. */
    private static int stringEnd(String s, int start) {
        for (int i = start + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        return -1;
    }

    private static String decode(String literal) {
        try {
            return JSON.readValue(literal, String.class);
        } catch (JsonProcessingException e) {
            return null; // a broken escape: not a key we can name
        }
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
