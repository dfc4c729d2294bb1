package io.lingspark.engine.chat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python value semantics for template data (JSON-shaped Java values): truthiness, str/repr,
 * equality, ordering, json.dumps, indexing and slicing. Templates were written against Python, so
 * e.g. {@code {{ true }}} renders "True" and {@code tojson} must match json.dumps byte for byte.
 */
final class PyValues {
    /** Jinja's default Undefined: renders empty, is falsy, iterates as empty; arithmetic on it fails. */
    static final class Undefined {
        final String name;

        Undefined(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return "";
        }
    }

    /** namespace(...) objects: the one mutable thing a template can assign attributes to across loop scopes. */
    static final class Namespace {
        final Map<String, Object> attrs = new LinkedHashMap<>();
    }

    /** A callable: builtin function, bound method or macro. */
    interface Fn {
        Object call(List<Object> args, Map<String, Object> kwargs);
    }

    private PyValues() {
    }

    static Undefined undefined(String name) {
        return new Undefined(name);
    }

    static boolean isUndefined(Object v) {
        return v instanceof Undefined;
    }

    static boolean isIntegral(Object v) {
        return v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte || v instanceof BigInteger;
    }

    static boolean isNumber(Object v) {
        return v instanceof Number;
    }

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof Number n) {
            return isIntegral(n) ? n.longValue() != 0 : n.doubleValue() != 0.0;
        }
        if (v instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Python str(). */
    static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined) {
            return "";
        }
        return PyRepr.repr(v);
    }

    static boolean eq(Object a, Object b) {
        return eq(a, b, 0);
    }

    private static boolean eq(Object a, Object b, int depth) {
        RenderBudget.tick(); // membership tests and unique() compare item by item: keep them on the clock
        if (a instanceof Number x && b instanceof Number y) {
            return isIntegral(x) && isIntegral(y) ? x.longValue() == y.longValue() : x.doubleValue() == y.doubleValue();
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            RenderBudget.dataDepth(depth);
            for (int i = 0; i < x.size(); i++) {
                if (!eq(x.get(i), y.get(i), depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        return a == null ? b == null : a.equals(b);
    }

    /** Ordering for <, <=, >, >=: numbers with numbers, strings with strings (code point order), else TypeError. */
    static int compare(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return isIntegral(x) && isIntegral(y) ? Long.compare(x.longValue(), y.longValue()) : Double.compare(x.doubleValue(), y.doubleValue());
        }
        if (a instanceof String x && b instanceof String y) {
            // Python compares code points; String.compareTo would compare UTF-16 units.
            return java.util.Arrays.compare(x.codePoints().toArray(), y.codePoints().toArray());
        }
        throw new TemplateException("'<' not supported between " + typeName(a) + " and " + typeName(b));
    }

    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof Number n) {
            return isIntegral(n) ? "int" : "float";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Map) {
            return "dict";
        }
        return v.getClass().getSimpleName();
    }

    /** What a for loop iterates: list items, dict keys, string characters (code points); a new list. */
    static List<Object> iterate(Object v) {
        if (v instanceof List<?> l) {
            RenderBudget.items(l.size());
            return new ArrayList<>(l);
        }
        if (v instanceof Map<?, ?> m) {
            RenderBudget.items(m.size());
            return new ArrayList<>(m.keySet());
        }
        if (v instanceof String s) {
            RenderBudget.items(s.codePointCount(0, s.length()));
            List<Object> out = new ArrayList<>();
            s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        if (v instanceof Undefined) {
            return new ArrayList<>();
        }
        throw new TemplateException("'" + typeName(v) + "' object is not iterable");
    }

    static int length(Object v) {
        if (v instanceof String s) {
            return s.codePointCount(0, s.length());
        }
        if (v instanceof Collection<?> c) {
            return c.size();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        if (v instanceof Undefined) {
            return 0;
        }
        throw new TemplateException("object of type '" + typeName(v) + "' has no len()");
    }

    /** obj[key] as Jinja's environment.getitem: missing keys and out-of-range indexes give Undefined. */
    static Object getItem(Object obj, Object key) {
        if (obj instanceof Map<?, ?> m) {
            Object k = key instanceof Number n && isIntegral(n) ? findNumericKey(m, n) : key;
            return m.containsKey(k) ? m.get(k) : undefined(str(key));
        }
        if (obj instanceof String s && key instanceof Number n && isIntegral(n)) {
            // by code point, without splitting the whole string (message contents can be long)
            int size = s.codePointCount(0, s.length());
            long i = n.longValue() < 0 ? n.longValue() + size : n.longValue();
            return i >= 0 && i < size ? new String(Character.toChars(s.codePointAt(s.offsetByCodePoints(0, (int) i))))
                : undefined(String.valueOf(key));
        }
        if (obj instanceof List<?> items && key instanceof Number n && isIntegral(n)) {
            long i = n.longValue();
            if (i < 0) {
                i += items.size();
            }
            return i >= 0 && i < items.size() ? items.get((int) i) : undefined(String.valueOf(key));
        }
        if (obj instanceof Undefined u) {
            // The brief asks for lenient chaining (jinja2's ChainableUndefined): undefined[x] is undefined.
            return u;
        }
        if (key instanceof String s) {
            return getAttr(obj, s);
        }
        return undefined(String.valueOf(key));
    }

    private static Object findNumericKey(Map<?, ?> m, Number n) {
        for (Object k : m.keySet()) {
            if (k instanceof Number x && eq(x, n)) {
                return k;
            }
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    static List<Object> castList(Object v) {
        return (List<Object>) v;
    }

    /** obj.name as Jinja's environment.getattr: methods of str/dict first, then item lookup. */
    static Object getAttr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            return u;
        }
        if (obj instanceof Namespace ns) {
            return ns.attrs.containsKey(name) ? ns.attrs.get(name) : undefined(name);
        }
        if (obj instanceof LoopInfo loop) {
            return loop.attr(name);
        }
        Fn method = PyMethods.bind(obj, name);
        if (method != null) {
            return method;
        }
        if (obj instanceof Map<?, ?> m) {
            return m.containsKey(name) ? m.get(name) : undefined(name);
        }
        return undefined(name);
    }

    /** Python slicing obj[start:stop:step] for lists and strings. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined) {
            return obj;
        }
        boolean isString = obj instanceof String;
        // strings by code point: an int[] of them, not a list of one-character strings
        int[] cps = isString ? ((String) obj).codePoints().toArray() : null;
        List<Object> items = obj instanceof List ? castList(obj) : null;
        if (!isString && items == null) {
            throw new TemplateException("'" + typeName(obj) + "' object is not subscriptable");
        }
        int n = isString ? cps.length : items.size();
        long st = step == null ? 1 : asLong(step);
        if (st == 0) {
            throw new TemplateException("slice step cannot be zero");
        }
        long lo;
        long hi;
        if (st > 0) {
            lo = start == null ? 0 : clamp(asLong(start), n, 0, n);
            hi = stop == null ? n : clamp(asLong(stop), n, 0, n);
        } else {
            lo = start == null ? n - 1 : clamp(asLong(start), n, -1, n - 1);
            hi = stop == null ? -1 : clamp(asLong(stop), n, -1, n - 1);
        }
        if (isString) {
            StringBuilder sb = new StringBuilder();
            for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
                sb.appendCodePoint(cps[(int) i]);
            }
            RenderBudget.chars(sb.length());
            return sb.toString();
        }
        List<Object> out = new ArrayList<>();
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
            out.add(items.get((int) i));
        }
        RenderBudget.items(out.size());
        return out;
    }

    private static long clamp(long i, int n, long min, long max) {
        if (i < 0) {
            i += n;
        }
        return Math.max(min, Math.min(max, i));
    }

    static long asLong(Object v) {
        if (v instanceof Number n && (isIntegral(n) || n.doubleValue() == Math.rint(n.doubleValue()))) {
            return n.longValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw new TemplateException("expected an integer, got " + typeName(v));
    }
}
