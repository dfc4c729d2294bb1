package io.lingspark.engine.chat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Python's repr() of template values, as {@code {{ value }}} prints a list or dict and {@code tojson}
 * prints numbers: {@code {'a': [1, 2.0, None, True]}}. Lists can be built to nest themselves deeply
 * and to repeat one long string many times, so the text's length and the data's depth are checked as
 * it is written.
 */
final class PyRepr {
    private PyRepr() {
    }

    /** Python repr() of JSON-shaped values. */
    static String repr(Object v) {
        if (v instanceof List || v instanceof Map) {
            StringBuilder sb = new StringBuilder();
            repr(sb, v, 0);
            RenderBudget.chars(sb.length());
            return sb.toString();
        }
        return scalarRepr(v);
    }

    /** Appends repr(v), checking the text's length and the data's depth as it goes (lists can nest themselves). */
    private static void repr(StringBuilder sb, Object v, int depth) {
        if (v instanceof List<?> l) {
            RenderBudget.dataDepth(depth);
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i > 0 ? ", " : "");
                repr(sb, l.get(i), depth + 1);
            }
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            RenderBudget.dataDepth(depth);
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "" : ", ");
                repr(sb, e.getKey(), depth + 1);
                sb.append(": ");
                repr(sb, e.getValue(), depth + 1);
                first = false;
            }
            sb.append('}');
        } else {
            sb.append(scalarRepr(v));
        }
        RenderBudget.checkChars(sb.length());
    }

    private static String scalarRepr(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof String s) {
            return reprString(s);
        }
        if (v instanceof Number n) {
            return numberRepr(n);
        }
        if (v instanceof PyValues.Undefined) {
            return "";
        }
        if (v instanceof PyValues.Namespace ns) {
            return "<Namespace " + repr(ns.attrs) + ">";
        }
        return String.valueOf(v);
    }

    private static String reprString(String s) {
        char q = s.contains("'") && !s.contains("\"") ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == q || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(q).toString();
    }

    /** Python repr of int / float: "1", "1.0", "0.1", "1e-05", "inf". */
    static String numberRepr(Number n) {
        if (PyValues.isIntegral(n)) {
            return n.toString();
        }
        double d = n.doubleValue();
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return new BigDecimal(d).toBigInteger().toString() + ".0";
        }
        // Python switches to exponent notation below 1e-4 and at/above 1e16.
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        double a = Math.abs(d);
        if (a >= 1e-4 && a < 1e16) {
            return bd.toPlainString();
        }
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale();
        String mant = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
        return (d < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }
}
