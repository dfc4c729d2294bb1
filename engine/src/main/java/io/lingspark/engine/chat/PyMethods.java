package io.lingspark.engine.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Python str / dict / list methods chat templates call ({@code content.split('</think>')},
 * {@code message.get('x')}, {@code tool.items()}), with Python's argument rules.
 */
final class PyMethods {
    private PyMethods() {
    }

    /** obj.name as a callable, or null if obj has no such method. */
    static PyValues.Fn bind(Object obj, String name) {
        if (obj instanceof String s) {
            return stringMethod(s, name);
        }
        if (obj instanceof Map<?, ?> m) {
            return dictMethod(m, name);
        }
        if (obj instanceof List<?> l) {
            return listMethod(PyValues.castList(l), name);
        }
        return null;
    }

    private static String strArg(List<Object> args, int i, String method) {
        Object v = i < args.size() ? args.get(i) : null;
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new TemplateException(method + "() argument must be str or None, not " + PyValues.typeName(v));
        }
        return s;
    }

    private static PyValues.Fn stringMethod(String s, String name) {
        switch (name) {
            case "startswith":
            case "endswith":
                return (args, kw) -> {
                    Object p = args.isEmpty() ? null : args.get(0);
                    List<Object> options = p instanceof List<?> l ? PyValues.castList(l) : List.of(p == null ? "" : p);
                    for (Object o : options) {
                        if (!(o instanceof String prefix)) {
                            throw new TemplateException(name + " first arg must be str or a tuple of str");
                        }
                        if (name.equals("startswith") ? s.startsWith(prefix) : s.endsWith(prefix)) {
                            return true;
                        }
                    }
                    return false;
                };
            case "strip": return (args, kw) -> strip(s, strArg(args, 0, name), true, true);
            case "lstrip": return (args, kw) -> strip(s, strArg(args, 0, name), true, false);
            case "rstrip": return (args, kw) -> strip(s, strArg(args, 0, name), false, true);
            case "split": return (args, kw) -> split(s, strArg(args, 0, name),
                args.size() > 1 ? (int) PyValues.asLong(args.get(1)) : kw.containsKey("maxsplit") ? (int) PyValues.asLong(kw.get("maxsplit")) : -1);
            case "replace": return (args, kw) -> {
                String old = strArg(args, 0, name);
                String rep = strArg(args, 1, name);
                long count = args.size() > 2 ? PyValues.asLong(args.get(2)) : -1;
                return replace(s, old == null ? "" : old, rep == null ? "" : rep, count);
            };
            case "upper": return (args, kw) -> sized(s.toUpperCase(Locale.ROOT));
            case "lower": return (args, kw) -> sized(s.toLowerCase(Locale.ROOT));
            case "title": return (args, kw) -> sized(JinjaBuiltins.title(s));
            case "capitalize": return (args, kw) -> s.isEmpty() ? s
                : sized(s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT));
            case "find": return (args, kw) -> (long) s.indexOf(strArg(args, 0, name));
            case "count": return (args, kw) -> {
                String sub = strArg(args, 0, name);
                return (long) (sub.isEmpty() ? s.length() + 1 : s.split(java.util.regex.Pattern.quote(sub), -1).length - 1);
            };
            case "join": return (args, kw) -> JinjaBuiltins.join(s, PyValues.iterate(args.get(0)));
            case "isspace": return (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(PyMethods::isPySpace);
            case "isdigit": return (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            default: return null;
        }
    }

    /** A string the JDK built (case changes may lengthen it), checked and charged once it exists. */
    private static String sized(String s) {
        RenderBudget.chars(s.length());
        return s;
    }

    /** str.isspace(): Unicode whitespace as Python defines it (includes \x1c-\x1f and \x85). */
    static boolean isPySpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85 || c == 0xA0;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        if (left) {
            while (start < end && (chars == null ? isPySpace(s.charAt(start)) : chars.indexOf(s.charAt(start)) >= 0)) {
                start++;
            }
        }
        if (right) {
            while (end > start && (chars == null ? isPySpace(s.charAt(end - 1)) : chars.indexOf(s.charAt(end - 1)) >= 0)) {
                end--;
            }
        }
        RenderBudget.chars(end - start);
        return s.substring(start, end);
    }

    /** str.split: on runs of whitespace without sep (dropping empties), else on exact sep (keeping empties). */
    static List<Object> split(String s, String sep, int maxsplit) {
        List<Object> out = splitPieces(s, sep, maxsplit);
        RenderBudget.items(out.size());
        RenderBudget.chars(s.length()); // the pieces' text, at most the whole string
        return out;
    }

    private static List<Object> splitPieces(String s, String sep, int maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isPySpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return out;
                }
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    return out;
                }
                int j = i;
                while (j < n && !isPySpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                RenderBudget.checkItems(out.size());
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new TemplateException("empty separator");
        }
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            RenderBudget.checkItems(out.size());
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** str.replace; the result's length is known (and checked) before it is built. */
    static String replace(String s, String old, String rep, long count) {
        if (old.isEmpty() && count < 0) {
            RenderBudget.chars(s.length() + (s.codePointCount(0, s.length()) + 1L) * rep.length());
            return insertEverywhere(s, rep);
        }
        long hits = 0;
        for (int at = old.isEmpty() ? -1 : s.indexOf(old); at >= 0 && (count < 0 || hits < count); at = s.indexOf(old, at + old.length())) {
            hits++;
        }
        RenderBudget.chars(s.length() + hits * (rep.length() - old.length()));
        if (count < 0) {
            return s.replace(old, rep);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (long done = 0; done < hits; done++) {
            int at = s.indexOf(old, from);
            sb.append(s, from, at).append(rep);
            from = at + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    private static String insertEverywhere(String s, String rep) {
        StringBuilder sb = new StringBuilder(rep);
        s.codePoints().forEach(cp -> sb.appendCodePoint(cp).append(rep));
        return sb.toString();
    }

    private static PyValues.Fn dictMethod(Map<?, ?> m, String name) {
        switch (name) {
            case "get": return (args, kw) -> {
                Object k = args.isEmpty() ? null : args.get(0);
                return m.containsKey(k) ? m.get(k) : args.size() > 1 ? args.get(1) : null;
            };
            case "items": return (args, kw) -> {
                RenderBudget.items(3L * m.size()); // the list and its pairs
                List<Object> out = new ArrayList<>();
                m.forEach((k, v) -> out.add(new ArrayList<>(java.util.Arrays.asList(k, v))));
                return out;
            };
            case "keys": return (args, kw) -> {
                RenderBudget.items(m.size());
                return new ArrayList<Object>(m.keySet());
            };
            case "values": return (args, kw) -> {
                RenderBudget.items(m.size());
                return new ArrayList<Object>(m.values());
            };
            default: return null;
        }
    }

    private static PyValues.Fn listMethod(List<Object> l, String name) {
        switch (name) {
            case "append": return (args, kw) -> {
                RenderBudget.checkItems(l.size() + 1L);
                RenderBudget.items(1);
                l.add(args.get(0));
                return null;
            };
            case "index": return (args, kw) -> {
                for (int i = 0; i < l.size(); i++) {
                    if (PyValues.eq(l.get(i), args.get(0))) {
                        return (long) i;
                    }
                }
                throw new TemplateException(PyRepr.repr(args.get(0)) + " is not in list");
            };
            case "count": return (args, kw) -> l.stream().filter(x -> PyValues.eq(x, args.get(0))).count();
            default: return null;
        }
    }
}
