package io.lingspark.engine.chat;

import java.util.List;
import java.util.Map;

/** The parsed template: statement and expression nodes (records, evaluated by JinjaRenderer). */
final class JinjaAst {
    private JinjaAst() {
    }

    interface Node {
    }

    interface Expr {
    }

    // --- statements ---
    record Text(String text) implements Node {
    }

    record Output(Expr expr) implements Node {
    }

    record If(List<Expr> conditions, List<List<Node>> branches, List<Node> orElse) implements Node {
    }

    record For(List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> orElse) implements Node {
    }

    /** set name = value, or set ns.attr = value (attr non-null), or a {% set %}...{% endset %} block (body non-null). */
    record Set(List<String> targets, String attr, Expr value, List<Node> body) implements Node {
    }

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node {
    }

    /** {% generation %} (transformers' extension) and other blocks that just render their body. */
    record Block(List<Node> body) implements Node {
    }

    record Break() implements Node {
    }

    record Continue() implements Node {
    }

    // --- expressions ---
    record Literal(Object value) implements Expr {
    }

    record Name(String name) implements Expr {
    }

    record ListExpr(List<Expr> items) implements Expr {
    }

    record DictExpr(List<Expr> keys, List<Expr> values) implements Expr {
    }

    record Attr(Expr target, String name) implements Expr {
    }

    record Item(Expr target, Expr key) implements Expr {
    }

    record Slice(Expr target, Expr start, Expr stop, Expr step) implements Expr {
    }

    record Call(Expr target, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
    }

    record Filter(Expr target, String name, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
    }

    record Test(Expr target, String name, List<Expr> args, boolean negated) implements Expr {
    }

    record Binary(String op, Expr left, Expr right) implements Expr {
    }

    record Unary(String op, Expr operand) implements Expr {
    }

    record Conditional(Expr condition, Expr then, Expr orElse) implements Expr {
    }
}
