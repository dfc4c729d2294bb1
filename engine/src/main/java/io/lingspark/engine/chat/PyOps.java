package io.lingspark.engine.chat;

import java.util.ArrayList;
import java.util.List;

/** Python binary operators on template values (+ - * / // % ** ~ comparisons, in). */
final class PyOps {
    private PyOps() {
    }

    static Object binary(String op, Object a, Object b) {
        switch (op) {
            case "==": return PyValues.eq(a, b);
            case "!=": return !PyValues.eq(a, b);
            case "<": return PyValues.compare(a, b) < 0;
            case "<=": return PyValues.compare(a, b) <= 0;
            case ">": return PyValues.compare(a, b) > 0;
            case ">=": return PyValues.compare(a, b) >= 0;
            case "in": return JinjaBuiltins.contains(b, a);
            case "not in": return !JinjaBuiltins.contains(b, a);
            case "~": return concat(PyValues.str(a), PyValues.str(b));
            default: return arith(op, a, b);
        }
    }

    static String concat(String x, String y) {
        RenderBudget.chars((long) x.length() + y.length());
        return x + y;
    }

    /** size × times, saturating instead of wrapping (the limits then refuse it). */
    private static long product(long size, long times) {
        return size == 0 ? 0 : times > Long.MAX_VALUE / size ? Long.MAX_VALUE : size * times;
    }

    static Object negate(Object v) {
        if (PyValues.isIntegral(v)) {
            return -((Number) v).longValue();
        }
        if (v instanceof Number n) {
            return -n.doubleValue();
        }
        throw new TemplateException("bad operand type for unary -: '" + PyValues.typeName(v) + "'");
    }

    static Object arith(String op, Object a, Object b) {
        if (PyValues.isUndefined(a) || PyValues.isUndefined(b)) {
            String name = ((PyValues.Undefined) (PyValues.isUndefined(a) ? a : b)).name;
            throw new TemplateException("'" + name + "' is undefined");
        }
        if (op.equals("+") && a instanceof String x && b instanceof String y) {
            return concat(x, y);
        }
        if (op.equals("+") && a instanceof List<?> x && b instanceof List<?> y) {
            RenderBudget.items((long) x.size() + y.size());
            List<Object> out = new ArrayList<>(x);
            out.addAll(y);
            return out;
        }
        if (op.equals("*") && (a instanceof String || b instanceof String) && (PyValues.isIntegral(a) || PyValues.isIntegral(b))) {
            String s = a instanceof String x ? x : (String) b;
            long times = Math.max(0, PyValues.asLong(a instanceof String ? b : a));
            RenderBudget.chars(product(s.length(), times)); // before repeat(): 'a' * 10**10 must not allocate
            return s.isEmpty() ? s : s.repeat((int) times);
        }
        if (op.equals("*") && (a instanceof List || b instanceof List) && (PyValues.isIntegral(a) || PyValues.isIntegral(b))) {
            List<Object> l = PyValues.castList(a instanceof List ? a : b);
            long times = Math.max(0, PyValues.asLong(a instanceof List ? b : a));
            RenderBudget.items(product(l.size(), times));
            List<Object> out = new ArrayList<>((int) product(l.size(), times));
            for (long i = 0; i < times && !l.isEmpty(); i++) {
                out.addAll(l);
            }
            return out;
        }
        Object x = a instanceof Boolean bool ? (Object) (bool ? 1L : 0L) : a;
        Object y = b instanceof Boolean bool ? (Object) (bool ? 1L : 0L) : b;
        if (!(x instanceof Number p) || !(y instanceof Number q)) {
            throw new TemplateException("unsupported operand type(s) for " + op + ": '" + PyValues.typeName(a) + "' and '" + PyValues.typeName(b) + "'");
        }
        boolean ints = PyValues.isIntegral(p) && PyValues.isIntegral(q);
        long li = p.longValue();
        long ri = q.longValue();
        double ld = p.doubleValue();
        double rd = q.doubleValue();
        switch (op) {
            case "+": return ints ? (Object) (li + ri) : (Object) (ld + rd);
            case "-": return ints ? (Object) (li - ri) : (Object) (ld - rd);
            case "*": return ints ? (Object) (li * ri) : (Object) (ld * rd);
            case "/":
                if (rd == 0) {
                    throw new TemplateException("division by zero");
                }
                return ld / rd;
            case "//":
                if (rd == 0) {
                    throw new TemplateException("integer division or modulo by zero");
                }
                return ints ? (Object) Math.floorDiv(li, ri) : (Object) Math.floor(ld / rd);
            case "%":
                if (rd == 0) {
                    throw new TemplateException("integer division or modulo by zero");
                }
                // Python's modulo takes the sign of the divisor.
                return ints ? (Object) Math.floorMod(li, ri) : (Object) (ld - rd * Math.floor(ld / rd));
            case "**":
                return ints && ri >= 0 ? (Object) (long) Math.pow(li, ri) : (Object) Math.pow(ld, rd);
            default: throw new TemplateException("unknown operator " + op);
        }
    }
}
