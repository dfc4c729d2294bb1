package io.lingspark.engine.chat;

import io.lingspark.engine.chat.JinjaAst.Expr;
import io.lingspark.engine.chat.JinjaAst.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a parsed template. Scoping follows Jinja: each for-loop iteration and each macro call
 * gets its own scope (a {@code set} inside a loop does not leak out, hence namespace()), while if
 * blocks share their enclosing scope. Any runtime failure surfaces as TemplateException; every render
 * runs within its {@link JinjaLimits} (a {@link RenderBudget} counts depth, iterations, sizes and time).
 */
final class JinjaRenderer {
    private static final class Scope {
        final Map<String, Object> vars = new HashMap<>();
        final Scope parent;

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.vars.containsKey(name)) {
                    return s.vars.get(name);
                }
            }
            return PyValues.undefined(name);
        }
    }

    /** Loop control flow (break / continue), without stack traces. */
    private static final class LoopSignal extends RuntimeException {
        final boolean isBreak;

        LoopSignal(boolean isBreak) {
            super(null, null, false, false);
            this.isBreak = isBreak;
        }
    }

    private static final LoopSignal BREAK = new LoopSignal(true);
    private static final LoopSignal CONTINUE = new LoopSignal(false);

    private final Scope root;
    private final RenderBudget budget;
    private final boolean strictOutput;

    private JinjaRenderer(Map<String, Object> context, RenderBudget budget, boolean strictOutput) {
        this.strictOutput = strictOutput;
        Scope globals = new Scope(null);
        globals.vars.putAll(JinjaBuiltins.globals());
        root = new Scope(globals);
        root.vars.putAll(context);
        this.budget = budget;
    }

    static String render(List<Node> template, Map<String, Object> context, JinjaLimits limits) {
        return render(template, context, limits, false);
    }

    /**
     * strictOutput: printing an undefined value is an error naming it, as with jinja2's
     * StrictUndefined ({@code is defined} tests still work); chat templates keep the lenient default.
     */
    static String render(List<Node> template, Map<String, Object> context, JinjaLimits limits, boolean strictOutput) {
        RenderBudget budget = RenderBudget.begin(limits);
        try {
            JinjaRenderer r = new JinjaRenderer(context, budget, strictOutput);
            StringBuilder out = new StringBuilder();
            r.exec(template, r.root, out);
            return out.toString();
        } catch (TemplateException e) {
            throw e;
        } catch (LoopSignal e) {
            throw new TemplateException("break/continue outside a loop");
        } catch (RuntimeException | StackOverflowError e) {
            // The limits keep recursion well inside a normal stack; a thread with a tiny one still gets a typed error.
            throw new TemplateException("template error: " + e, e);
        } finally {
            budget.end();
        }
    }

    private void exec(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node n : nodes) {
            exec(n, scope, out);
        }
    }

    private void exec(Node node, Scope scope, StringBuilder out) {
        budget.enter();
        try {
            execNode(node, scope, out);
        } finally {
            // break/continue leave through here as exceptions: the depth must unwind with them
            budget.exit();
        }
    }

    private void execNode(Node node, Scope scope, StringBuilder out) {
        if (node instanceof JinjaAst.Text t) {
            out.append(t.text());
            RenderBudget.checkChars(out.length());
        } else if (node instanceof JinjaAst.Output o) {
            Object value = eval(o.expr(), scope);
            if (strictOutput && value instanceof PyValues.Undefined u) {
                throw new TemplateException("'" + u.name + "' is undefined");
            }
            out.append(PyValues.str(value));
            RenderBudget.checkChars(out.length());
        } else if (node instanceof JinjaAst.If f) {
            for (int i = 0; i < f.conditions().size(); i++) {
                if (PyValues.truthy(eval(f.conditions().get(i), scope))) {
                    exec(f.branches().get(i), scope, out);
                    return;
                }
            }
            exec(f.orElse(), scope, out);
        } else if (node instanceof JinjaAst.For f) {
            execFor(f, scope, out);
        } else if (node instanceof JinjaAst.Set s) {
            Object value;
            if (s.body() != null) {
                StringBuilder sb = new StringBuilder();
                exec(s.body(), new Scope(scope), sb);
                RenderBudget.chars(sb.length());
                value = sb.toString();
            } else {
                value = eval(s.value(), scope);
            }
            if (s.attr() != null) {
                Object target = scope.lookup(s.targets().get(0));
                if (!(target instanceof PyValues.Namespace ns)) {
                    throw new TemplateException("cannot assign attribute on non-namespace object '" + s.targets().get(0) + "'");
                }
                ns.attrs.put(s.attr(), value);
            } else {
                assign(s.targets(), value, scope);
            }
        } else if (node instanceof JinjaAst.Macro m) {
            scope.vars.put(m.name(), macro(m, scope));
        } else if (node instanceof JinjaAst.Block b) {
            exec(b.body(), scope, out);
        } else if (node instanceof JinjaAst.Break) {
            throw BREAK;
        } else if (node instanceof JinjaAst.Continue) {
            throw CONTINUE;
        } else {
            throw new TemplateException("unknown node " + node);
        }
    }

    private static void assign(List<String> targets, Object value, Scope scope) {
        if (targets.size() == 1) {
            scope.vars.put(targets.get(0), value);
            return;
        }
        List<Object> parts = PyValues.iterate(value);
        if (parts.size() != targets.size()) {
            throw new TemplateException("cannot unpack " + parts.size() + " values into " + targets.size() + " names");
        }
        for (int i = 0; i < targets.size(); i++) {
            scope.vars.put(targets.get(i), parts.get(i));
        }
    }

    private void execFor(JinjaAst.For f, Scope scope, StringBuilder out) {
        List<Object> items = PyValues.iterate(eval(f.iterable(), scope));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                budget.iteration();
                Scope s = new Scope(scope);
                assign(f.targets(), item, s);
                if (PyValues.truthy(eval(f.filter(), s))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            exec(f.orElse(), scope, out);
            return;
        }
        LoopInfo loop = new LoopInfo(items);
        for (int i = 0; i < items.size(); i++) {
            budget.iteration();
            loop.index0 = i;
            Scope s = new Scope(scope);
            s.vars.put("loop", loop);
            assign(f.targets(), items.get(i), s);
            try {
                exec(f.body(), s, out);
            } catch (LoopSignal sig) {
                if (sig.isBreak) {
                    break;
                }
            }
        }
    }

    private PyValues.Fn macro(JinjaAst.Macro m, Scope defining) {
        return (args, kw) -> {
            budget.enterMacro(m.name());
            try {
                return callMacro(m, defining, args, kw);
            } finally {
                budget.exitMacro();
            }
        };
    }

    private String callMacro(JinjaAst.Macro m, Scope defining, List<Object> args, Map<String, Object> kw) {
        Scope s = new Scope(defining);
        for (int i = 0; i < m.params().size(); i++) {
            String p = m.params().get(i);
            Object v = i < args.size() ? args.get(i) : kw.containsKey(p) ? kw.get(p)
                : m.defaults().get(i) != null ? eval(m.defaults().get(i), s) : PyValues.undefined(p);
            s.vars.put(p, v);
        }
        s.vars.put("varargs", new ArrayList<>(args.size() > m.params().size() ? args.subList(m.params().size(), args.size()) : List.of()));
        StringBuilder sb = new StringBuilder();
        exec(m.body(), s, sb);
        RenderBudget.chars(sb.length());
        return sb.toString();
    }

    Object eval(Expr e, Scope scope) {
        budget.enter();
        try {
            return evalExpr(e, scope);
        } finally {
            budget.exit();
        }
    }

    private Object evalExpr(Expr e, Scope scope) {
        if (e instanceof JinjaAst.Literal l) {
            return l.value();
        }
        if (e instanceof JinjaAst.Name n) {
            return scope.lookup(n.name());
        }
        if (e instanceof JinjaAst.ListExpr l) {
            RenderBudget.items(l.items().size());
            List<Object> out = new ArrayList<>();
            for (Expr x : l.items()) {
                out.add(eval(x, scope));
            }
            return out;
        }
        if (e instanceof JinjaAst.DictExpr d) {
            RenderBudget.items(d.keys().size());
            Map<Object, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < d.keys().size(); i++) {
                out.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
            }
            return out;
        }
        if (e instanceof JinjaAst.Attr a) {
            return PyValues.getAttr(eval(a.target(), scope), a.name());
        }
        if (e instanceof JinjaAst.Item i) {
            return PyValues.getItem(eval(i.target(), scope), eval(i.key(), scope));
        }
        if (e instanceof JinjaAst.Slice s) {
            return PyValues.slice(eval(s.target(), scope), evalOrNull(s.start(), scope), evalOrNull(s.stop(), scope),
                evalOrNull(s.step(), scope));
        }
        if (e instanceof JinjaAst.Call c) {
            Object target = eval(c.target(), scope);
            if (!(target instanceof PyValues.Fn fn)) {
                throw new TemplateException(describe(c.target()) + " is not callable (" + PyValues.typeName(target) + ")");
            }
            return fn.call(evalAll(c.args(), scope), evalAll(c.kwargs(), scope));
        }
        if (e instanceof JinjaAst.Filter f) {
            return JinjaBuiltins.filter(f.name(), eval(f.target(), scope), evalAll(f.args(), scope), evalAll(f.kwargs(), scope), this);
        }
        if (e instanceof JinjaAst.Test t) {
            return JinjaBuiltins.test(t.name(), eval(t.target(), scope), evalAll(t.args(), scope)) != t.negated();
        }
        if (e instanceof JinjaAst.Unary u) {
            Object v = eval(u.operand(), scope);
            switch (u.op()) {
                case "not": return !PyValues.truthy(v);
                case "-": return PyOps.negate(v);
                default: return PyOps.arith("+", 0L, v);
            }
        }
        if (e instanceof JinjaAst.Binary b) {
            switch (b.op()) {
                case "and": {
                    Object l = eval(b.left(), scope);
                    return PyValues.truthy(l) ? eval(b.right(), scope) : l;
                }
                case "or": {
                    Object l = eval(b.left(), scope);
                    return PyValues.truthy(l) ? l : eval(b.right(), scope);
                }
                default:
                    return PyOps.binary(b.op(), eval(b.left(), scope), eval(b.right(), scope));
            }
        }
        if (e instanceof JinjaAst.Conditional c) {
            if (PyValues.truthy(eval(c.condition(), scope))) {
                return eval(c.then(), scope);
            }
            return c.orElse() == null ? PyValues.undefined("else") : eval(c.orElse(), scope);
        }
        throw new TemplateException("unknown expression " + e);
    }

    private static String describe(Expr e) {
        if (e instanceof JinjaAst.Name n) {
            return "'" + n.name() + "'";
        }
        if (e instanceof JinjaAst.Attr a) {
            return "'" + a.name() + "'";
        }
        return "expression";
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> out = new ArrayList<>();
        for (Expr x : exprs) {
            out.add(eval(x, scope));
        }
        return out;
    }

    private Map<String, Object> evalAll(Map<String, Expr> exprs, Scope scope) {
        Map<String, Object> out = new LinkedHashMap<>();
        exprs.forEach((k, x) -> out.put(k, eval(x, scope)));
        return out;
    }
}
