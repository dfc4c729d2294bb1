package io.lingspark.engine.chat;

import java.util.List;
import java.util.Map;

/**
 * Python's json.dumps as transformers' chat-template {@code tojson} calls it: ensure_ascii=False
 * (non-ASCII kept), separators ", " / ": " (or "," / ": " with indent), keys in insertion order
 * unless sort_keys. Floats use Python's repr and NaN/Infinity, as json.dumps does by default.
 */
final class PyJson {
    private PyJson() {
    }

    /** indent: null for one line, else spaces per level (json.dumps treats a negative indent as 0). */
    static String dumps(Object v, Integer indent, boolean sortKeys) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, indent == null ? null : Math.max(0, indent), sortKeys, 0);
        RenderBudget.chars(sb.length());
        return sb.toString();
    }

    private static void newline(StringBuilder sb, Integer indent, int depth) {
        long pad = (long) indent * depth;
        RenderBudget.checkChars(sb.length() + 1 + pad); // before repeat(): tojson(indent=10**9) must not allocate it
        sb.append('\n').append(" ".repeat((int) pad));
    }

    /** Appends v as JSON, checking the text's length and the data's depth as it goes. */
    private static void write(StringBuilder sb, Object v, Integer indent, boolean sortKeys, int depth) {
        RenderBudget.dataDepth(depth);
        RenderBudget.checkChars(sb.length());
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (!PyValues.isIntegral(n) && (Double.isNaN(d) || Double.isInfinite(d))) {
                sb.append(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
            } else {
                sb.append(PyRepr.numberRepr(n));
            }
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(indent == null ? ", " : ",");
                }
                if (indent != null) {
                    newline(sb, indent, depth + 1);
                }
                write(sb, l.get(i), indent, sortKeys, depth + 1);
            }
            if (indent != null) {
                newline(sb, indent, depth);
            }
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<? extends Map.Entry<?, ?>> entries = new java.util.ArrayList<>(m.entrySet());
            if (sortKeys) {
                entries.sort((a, b) -> PyValues.compare(a.getKey(), b.getKey()));
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) {
                    sb.append(indent == null ? ", " : ",");
                }
                first = false;
                if (indent != null) {
                    newline(sb, indent, depth + 1);
                }
                Object k = e.getKey();
                // json.dumps turns non-string keys into strings: True → "true", None → "null", 1 → "1".
                string(sb, k instanceof String s ? s : k == null ? "null" : k instanceof Boolean b ? (b ? "true" : "false")
                    : PyRepr.repr(k));
                sb.append(": ");
                write(sb, e.getValue(), indent, sortKeys, depth + 1);
            }
            if (indent != null) {
                newline(sb, indent, depth);
            }
            sb.append('}');
        } else if (v instanceof PyValues.Undefined) {
            throw new TemplateException("Object of type Undefined is not JSON serializable");
        } else {
            throw new TemplateException("Object of type " + PyValues.typeName(v) + " is not JSON serializable");
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
