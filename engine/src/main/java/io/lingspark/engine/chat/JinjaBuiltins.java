package io.lingspark.engine.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Jinja filters and tests, and the globals transformers adds (raise_exception, namespace, range). */
final class JinjaBuiltins {
    private JinjaBuiltins() {
    }

    private static Object arg(List<Object> args, Map<String, Object> kw, int i, String key, Object dflt) {
        return i < args.size() ? args.get(i) : kw.containsKey(key) ? kw.get(key) : dflt;
    }

    static Object filter(String name, Object v, List<Object> args, Map<String, Object> kw, JinjaRenderer r) {
        switch (name) {
            case "tojson": {
                Object indent = arg(args, kw, 0, "indent", null);
                return PyJson.dumps(v, indent == null ? null : clampInt(PyValues.asLong(indent)),
                    PyValues.truthy(kw.getOrDefault("sort_keys", false)));
            }
            case "trim": {
                Object chars = arg(args, kw, 0, "chars", null);
                return PyMethods.strip(PyValues.str(v), chars == null ? null : PyValues.str(chars), true, true);
            }
            case "length": case "count": return (long) PyValues.length(v);
            case "string": return PyValues.str(v);
            case "safe": case "e": case "escape": case "forceescape": return v instanceof String ? v : PyValues.str(v);
            case "items": {
                if (PyValues.isUndefined(v)) {
                    return new ArrayList<>();
                }
                if (!(v instanceof Map)) {
                    throw new TemplateException("items filter needs a mapping, got " + PyValues.typeName(v));
                }
                return PyMethods.bind(v, "items").call(List.of(), Map.of());
            }
            case "default": case "d": {
                Object dflt = arg(args, kw, 0, "default_value", "");
                boolean bool = PyValues.truthy(arg(args, kw, 1, "boolean", false));
                return PyValues.isUndefined(v) || (bool && !PyValues.truthy(v)) ? dflt : v;
            }
            case "join": {
                String sep = PyValues.str(arg(args, kw, 0, "d", ""));
                Object attr = arg(args, kw, 1, "attribute", null);
                List<Object> items = PyValues.iterate(v);
                if (attr != null) {
                    items.replaceAll(item -> PyValues.getItem(item, attr));
                }
                return join(sep, items);
            }
            case "upper": return sized(PyValues.str(v).toUpperCase(Locale.ROOT));
            case "lower": return sized(PyValues.str(v).toLowerCase(Locale.ROOT));
            case "capitalize": return PyMethods.bind(PyValues.str(v), "capitalize").call(List.of(), Map.of());
            case "title": return sized(title(PyValues.str(v)));
            case "replace": return PyMethods.replace(PyValues.str(v), PyValues.str(args.get(0)), PyValues.str(args.get(1)),
                args.size() > 2 ? PyValues.asLong(args.get(2)) : -1);
            case "first": {
                List<Object> items = PyValues.iterate(v);
                return items.isEmpty() ? PyValues.undefined("first") : items.get(0);
            }
            case "last": {
                List<Object> items = PyValues.iterate(v);
                return items.isEmpty() ? PyValues.undefined("last") : items.get(items.size() - 1);
            }
            case "list": return PyValues.iterate(v);
            case "reverse": return v instanceof String ? PyValues.slice(v, null, null, -1L) : PyValues.slice(PyValues.iterate(v), null, null, -1L);
            case "int": {
                try {
                    return v instanceof Number n ? (Object) n.longValue() : (Object) (long) Double.parseDouble(PyValues.str(v).trim());
                } catch (NumberFormatException e) {
                    return arg(args, kw, 0, "default", 0L);
                }
            }
            case "float": {
                try {
                    return v instanceof Number n ? n.doubleValue() : Double.parseDouble(PyValues.str(v).trim());
                } catch (NumberFormatException e) {
                    return arg(args, kw, 0, "default", 0.0);
                }
            }
            case "abs": return PyValues.isIntegral(v) ? (Object) Math.abs(((Number) v).longValue()) : (Object) Math.abs(((Number) v).doubleValue());
            case "indent": {
                long width = Math.max(0, PyValues.asLong(arg(args, kw, 0, "width", 4L)));
                RenderBudget.chars(width); // before repeat(): indent(10**10) must not allocate it
                String pad = " ".repeat((int) width);
                boolean firstLine = PyValues.truthy(arg(args, kw, 1, "first", false));
                String[] lines = PyValues.str(v).split("\n", -1);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < lines.length; i++) {
                    if (i > 0) {
                        sb.append('\n');
                    }
                    boolean blank = lines[i].isEmpty();
                    sb.append((i > 0 || firstLine) && !blank ? pad : "").append(lines[i]);
                    RenderBudget.checkChars(sb.length());
                }
                return sized(sb.toString());
            }
            case "map": case "select": case "reject": case "selectattr": case "rejectattr":
                return selectOrMap(name, v, args, kw, r);
            case "unique": return unique(PyValues.iterate(v));
            case "dictsort": {
                List<Object> items = PyValues.castList(filter("items", v, List.of(), Map.of(), r));
                items.sort((a, b) -> PyValues.compare(PyValues.castList(a).get(0), PyValues.castList(b).get(0)));
                return items;
            }
            default:
                throw new TemplateException("no filter named '" + name + "'");
        }
    }

    /** A string built by the JDK (case changes may lengthen it), checked and charged once it exists. */
    private static String sized(String s) {
        RenderBudget.chars(s.length());
        return s;
    }

    private static int clampInt(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    /** sep.join(str(item) for item in items), checked as it grows. */
    static String join(String sep, List<Object> items) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            sb.append(i > 0 ? sep : "").append(PyValues.str(items.get(i)));
            RenderBudget.checkChars(sb.length());
        }
        return sized(sb.toString());
    }

    /**
     * Items in first-seen order without repeats (by ==). Strings, numbers, booleans and None go through
     * a hash set, so a million of them take milliseconds, not the hours of comparing every pair.
     */
    private static List<Object> unique(List<Object> items) {
        List<Object> out = new ArrayList<>();
        java.util.Set<Object> seen = new java.util.HashSet<>();
        List<Object> others = new ArrayList<>();
        for (Object o : items) {
            Object key = hashKey(o);
            boolean fresh = key != null ? seen.add(key) : others.stream().noneMatch(x -> PyValues.eq(x, o)) && others.add(o);
            if (fresh) {
                out.add(o);
            }
        }
        RenderBudget.items(out.size());
        return out;
    }

    private static final Object NONE_KEY = new Object();

    /** A key equal exactly when PyValues.eq is (1 and 1.0 alike), or null for lists, maps and the rest. */
    private static Object hashKey(Object o) {
        if (o == null) {
            return NONE_KEY;
        }
        if (o instanceof Number n) {
            double d = n.doubleValue();
            return PyValues.isIntegral(n) ? (Object) n.longValue() : d == Math.rint(d) && Math.abs(d) < 0x1p63 ? (Object) (long) d : d;
        }
        return o instanceof String || o instanceof Boolean ? o : null;
    }

    private static Object selectOrMap(String name, Object v, List<Object> args, Map<String, Object> kw, JinjaRenderer r) {
        List<Object> out = new ArrayList<>();
        boolean attrBased = name.endsWith("attr") || (name.equals("map") && kw.containsKey("attribute"));
        Object attr = name.equals("map") ? kw.get("attribute") : attrBased ? args.get(0) : null;
        int testAt = attrBased && !name.equals("map") ? 1 : 0;
        for (Object item : PyValues.iterate(v)) {
            Object subject = attr != null ? PyValues.getItem(item, attr) : item;
            if (name.equals("map")) {
                if (PyValues.isUndefined(subject) && kw.containsKey("default")) {
                    subject = kw.get("default");
                }
                out.add(attrBased ? subject : filter(PyValues.str(args.get(0)), item, args.subList(1, args.size()), kw, r));
                continue;
            }
            boolean ok = args.size() > testAt
                ? test(PyValues.str(args.get(testAt)), subject, args.subList(testAt + 1, args.size()))
                : PyValues.truthy(subject);
            if (ok == name.startsWith("select")) {
                out.add(item);
            }
        }
        RenderBudget.items(out.size());
        return out;
    }

    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    static boolean test(String name, Object v, List<Object> args) {
        switch (name) {
            case "defined": return !PyValues.isUndefined(v);
            case "undefined": return PyValues.isUndefined(v);
            case "none": return v == null;
            case "string": return v instanceof String;
            case "mapping": return v instanceof Map;
            case "sequence": case "iterable": return v instanceof List || v instanceof String || v instanceof Map;
            case "number": return v instanceof Number;
            case "integer": return PyValues.isIntegral(v);
            case "float": return v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal;
            case "boolean": return v instanceof Boolean;
            case "true": return Boolean.TRUE.equals(v);
            case "false": return Boolean.FALSE.equals(v);
            case "callable": return v instanceof PyValues.Fn;
            case "odd": return PyValues.asLong(v) % 2 != 0;
            case "even": return PyValues.asLong(v) % 2 == 0;
            case "divisibleby": return PyValues.asLong(v) % PyValues.asLong(args.get(0)) == 0;
            case "lower": return v instanceof String s && s.equals(s.toLowerCase(Locale.ROOT));
            case "upper": return v instanceof String s && s.equals(s.toUpperCase(Locale.ROOT));
            case "equalto": case "eq": case "==": case "sameas": return PyValues.eq(v, args.get(0));
            case "ne": case "!=": return !PyValues.eq(v, args.get(0));
            case "lt": case "<": return PyValues.compare(v, args.get(0)) < 0;
            case "le": case "<=": return PyValues.compare(v, args.get(0)) <= 0;
            case "gt": case ">": return PyValues.compare(v, args.get(0)) > 0;
            case "ge": case ">=": return PyValues.compare(v, args.get(0)) >= 0;
            case "in": return contains(args.get(0), v);
            default: throw new TemplateException("no test named '" + name + "'");
        }
    }

    /** Python's {@code needle in haystack}. */
    static boolean contains(Object haystack, Object needle) {
        if (haystack instanceof String s) {
            if (!(needle instanceof String n)) {
                throw new TemplateException("'in <string>' requires string as left operand, not " + PyValues.typeName(needle));
            }
            return s.contains(n);
        }
        if (haystack instanceof Map<?, ?> m) {
            return m.keySet().stream().anyMatch(k -> PyValues.eq(k, needle));
        }
        if (haystack instanceof List<?> l) {
            return l.stream().anyMatch(x -> PyValues.eq(x, needle));
        }
        if (PyValues.isUndefined(haystack)) {
            return false;
        }
        throw new TemplateException("argument of type '" + PyValues.typeName(haystack) + "' is not iterable");
    }

    /** Globals every template sees (transformers' chat-template environment). */
    static Map<String, Object> globals() {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("raise_exception", (PyValues.Fn) (args, kw) -> {
            throw new TemplateException(args.isEmpty() ? "raise_exception called" : PyValues.str(args.get(0)));
        });
        g.put("namespace", (PyValues.Fn) (args, kw) -> {
            PyValues.Namespace ns = new PyValues.Namespace();
            if (!args.isEmpty() && args.get(0) instanceof Map<?, ?> m) {
                m.forEach((k, val) -> ns.attrs.put(PyValues.str(k), val));
            }
            ns.attrs.putAll(kw);
            return ns;
        });
        g.put("range", (PyValues.Fn) (args, kw) -> {
            long start = args.size() > 1 ? PyValues.asLong(args.get(0)) : 0;
            long stop = PyValues.asLong(args.get(args.size() > 1 ? 1 : 0));
            long step = args.size() > 2 ? PyValues.asLong(args.get(2)) : 1;
            if (step == 0) {
                throw new TemplateException("range() arg 3 must not be zero");
            }
            // the length first, in doubles (no overflow): range(10**12) must not start building
            double span = step > 0 ? (double) stop - start : (double) start - stop;
            RenderBudget.items((long) Math.max(0, Math.ceil(span / Math.abs((double) step))));
            List<Object> out = new ArrayList<>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
                out.add(i);
                if (step > 0 ? i > Long.MAX_VALUE - step : i < Long.MIN_VALUE - step) {
                    break; // the next i would wrap around
                }
            }
            return out;
        });
        g.put("dict", (PyValues.Fn) (args, kw) -> {
            Map<Object, Object> m = new LinkedHashMap<>();
            if (!args.isEmpty() && args.get(0) instanceof Map<?, ?> src) {
                m.putAll(src);
            }
            m.putAll(kw);
            return m;
        });
        g.put("strftime_now", (PyValues.Fn) (args, kw) -> strftime(PyValues.str(args.get(0))));
        return g;
    }

    /** The common strftime directives, for templates that print today's date. */
    private static String strftime(String fmt) {
        java.time.LocalDateTime now = java.time.LocalDateTime.now();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            String pattern = switch (d) {
                case 'Y' -> "yyyy"; case 'm' -> "MM"; case 'd' -> "dd"; case 'B' -> "MMMM"; case 'b' -> "MMM";
                case 'H' -> "HH"; case 'M' -> "mm"; case 'S' -> "ss"; case 'A' -> "EEEE"; case 'a' -> "EEE";
                default -> null;
            };
            sb.append(pattern == null ? (d == '%' ? "%" : "%" + d)
                : now.format(java.time.format.DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH)));
        }
        return sb.toString();
    }
}
