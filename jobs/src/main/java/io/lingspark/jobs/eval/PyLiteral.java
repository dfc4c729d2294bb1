package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's ast.literal_eval for the values a rendered template can hold: strings (single or double
 * quotes, the usual escapes), ints, floats, True/False/None, lists, tuples (as lists) and dicts.
 * lm-eval turns a rendered doc_to_choice (e.g. {@code "{{[a, b]}}"} renders {@code ['x', 'y']}) and a
 * rendered doc_to_target that looks like a list or a number into values this way.
 */
final class PyLiteral {
    private final String s;
    private int pos;

    private PyLiteral(String s) {
        this.s = s;
    }

    /** The value, or IllegalArgumentException saying where the text stops being a literal. */
    static Object eval(String text) {
        PyLiteral p = new PyLiteral(text);
        Object v = p.value();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected text");
        }
        return v;
    }

    /** Python's str.isdigit(): non-empty, every character a digit. */
    static boolean isDigit(String text) {
        return !text.isEmpty() && text.codePoints().allMatch(Character::isDigit);
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("not a Python literal (" + what + " at offset " + pos + "): " + abbreviate(s));
    }

    static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    private void skipSpace() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private Object value() {
        skipSpace();
        if (pos >= s.length()) {
            throw error("end of text");
        }
        char c = s.charAt(pos);
        if (c == '[') {
            return sequence('[', ']');
        }
        if (c == '(') {
            return sequence('(', ')');
        }
        if (c == '{') {
            return dict();
        }
        if (c == '\'' || c == '"') {
            return string(c);
        }
        if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) {
            return number();
        }
        for (String word : new String[] {"True", "False", "None"}) {
            if (s.startsWith(word, pos)) {
                pos += word.length();
                return word.equals("None") ? null : Boolean.valueOf(word.equals("True"));
            }
        }
        throw error("unexpected '" + c + "'");
    }

    private List<Object> sequence(char open, char close) {
        pos++;
        List<Object> out = new ArrayList<>();
        while (true) {
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == close) {
                pos++;
                return out;
            }
            out.add(value());
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
            } else if (pos >= s.length() || s.charAt(pos) != close) {
                throw error("expected ',' or '" + close + "'");
            }
        }
    }

    private Map<Object, Object> dict() {
        pos++;
        Map<Object, Object> out = new LinkedHashMap<>();
        while (true) {
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return out;
            }
            Object key = value();
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != ':') {
                throw error("expected ':'");
            }
            pos++;
            out.put(key, value());
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
            } else if (pos >= s.length() || s.charAt(pos) != '}') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private String string(char quote) {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c == '\n') {
                break;
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= s.length()) {
                break;
            }
            char e = s.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '0' -> sb.append('\0');
                case '\\', '\'', '"' -> sb.append(e);
                case '\n' -> { }
                case 'x' -> sb.append((char) hex(2));
                case 'u' -> sb.append((char) hex(4));
                case 'U' -> sb.appendCodePoint(hex(8));
                default -> sb.append('\\').append(e); // Python keeps unknown escapes as written
            }
        }
        throw error("unterminated string");
    }

    private int hex(int digits) {
        if (pos + digits > s.length()) {
            throw error("truncated escape");
        }
        try {
            int v = Integer.parseUnsignedInt(s.substring(pos, pos + digits), 16);
            pos += digits;
            return v;
        } catch (NumberFormatException e) {
            throw error("bad escape");
        }
    }

    private Object number() {
        int start = pos;
        if (s.charAt(pos) == '-' || s.charAt(pos) == '+') {
            pos++;
        }
        boolean isFloat = false;
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (Character.isDigit(c)) {
                pos++;
            } else if (c == '.' || c == 'e' || c == 'E') {
                isFloat = true;
                pos++;
                if ((c == 'e' || c == 'E') && pos < s.length() && (s.charAt(pos) == '-' || s.charAt(pos) == '+')) {
                    pos++;
                }
            } else {
                break;
            }
        }
        String text = s.substring(start, pos);
        try {
            return isFloat ? (Object) Double.parseDouble(text) : (Object) Long.parseLong(text);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("bad number '" + text + "'");
        }
    }
}
