package io.lingspark.engine.chat;

import io.lingspark.engine.chat.JinjaAst.Expr;
import io.lingspark.engine.chat.JinjaLexer.Kind;
import io.lingspark.engine.chat.JinjaLexer.Token;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja2 expression parsing over the lexer's tokens. Operator precedence follows jinja2.parser:
 * conditional, or, and, not, comparisons / in, + -, ~, * / // %, **, unary - +, then primary with
 * postfix (. [] ()) and filters / tests ({@code x|f}, {@code x is t}) binding tightest, so
 * {@code messages|length - 1} is {@code (messages|length) - 1}.
 */
abstract class JinjaExprParser {
    private static final Set<String> COMPARE = Set.of("==", "!=", "<", "<=", ">", ">=");

    final List<Token> tokens;
    int pos;
    private final int maxNesting;
    private int nesting;

    JinjaExprParser(List<Token> tokens, int maxNesting) {
        this.tokens = tokens;
        this.maxNesting = maxNesting;
    }

    /**
     * One level deeper in the recursive descent (a bracket, a block, a prefix operator): bounded, so
     * 50,000 nested parentheses are a TemplateException here rather than a StackOverflowError. Levels
     * are not unwound on an error: the parse is over then.
     */
    void nest() {
        if (++nesting > maxNesting) {
            throw new TemplateLimitException("template line " + peek().line() + ": "
                + RenderBudget.over("blocks, brackets or prefix operators nested too deep", maxNesting).getMessage());
        }
    }

    void unnest() {
        nesting--;
    }

    Token peek() {
        return tokens.get(pos);
    }

    Token next() {
        return tokens.get(pos++);
    }

    TemplateException error(String msg) {
        return new TemplateException("template line " + peek().line() + ": " + msg);
    }

    Token expect(Kind kind, String value) {
        Token t = next();
        if (t.kind() != kind || (value != null && !t.value().equals(value))) {
            pos--;
            throw error("expected " + (value != null ? "'" + value + "'" : kind) + ", got '" + t.value() + "' (" + t.kind() + ")");
        }
        return t;
    }

    boolean acceptOp(String op) {
        if (peek().isOp(op)) {
            pos++;
            return true;
        }
        return false;
    }

    boolean acceptName(String name) {
        if (peek().isName(name)) {
            pos++;
            return true;
        }
        return false;
    }

    // --- expressions ---

    Expr expression() {
        nest();
        Expr e = or();
        if (peek().isName("if")) {
            pos++;
            Expr cond = or();
            Expr orElse = acceptName("else") ? expression() : null;
            e = new JinjaAst.Conditional(cond, e, orElse);
        }
        unnest();
        return e;
    }

    /** An expression without a trailing inline if (a for loop's iterable is followed by 'if filter'). */
    Expr conditionalFree() {
        return or();
    }

    private Expr or() {
        Expr e = and();
        while (acceptName("or")) {
            e = new JinjaAst.Binary("or", e, and());
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (acceptName("and")) {
            e = new JinjaAst.Binary("and", e, not());
        }
        return e;
    }

    private Expr not() {
        if (acceptName("not")) {
            nest();
            Expr e = new JinjaAst.Unary("not", not());
            unnest();
            return e;
        }
        return compare();
    }

    /** Python-style chains (a < b < c) become pairwise comparisons joined with and. */
    private Expr compare() {
        Expr left = math1();
        Expr result = null;
        while (true) {
            String op;
            Token t = peek();
            if (t.kind() == Kind.OP && COMPARE.contains(t.value())) {
                op = t.value();
                pos++;
            } else if (t.isName("in")) {
                op = "in";
                pos++;
            } else if (t.isName("not") && tokens.get(pos + 1).isName("in")) {
                op = "not in";
                pos += 2;
            } else {
                return result == null ? left : result;
            }
            Expr right = math1();
            Expr cmp = new JinjaAst.Binary(op, left, right);
            result = result == null ? cmp : new JinjaAst.Binary("and", result, cmp);
            left = right;
        }
    }

    private Expr math1() {
        Expr e = concat();
        while (peek().isOp("+") || peek().isOp("-")) {
            String op = next().value();
            e = new JinjaAst.Binary(op, e, concat());
        }
        return e;
    }

    private Expr concat() {
        Expr e = math2();
        while (acceptOp("~")) {
            e = new JinjaAst.Binary("~", e, math2());
        }
        return e;
    }

    private Expr math2() {
        Expr e = pow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            String op = next().value();
            e = new JinjaAst.Binary(op, e, pow());
        }
        return e;
    }

    private Expr pow() {
        Expr e = unary(true);
        while (acceptOp("**")) {
            e = new JinjaAst.Binary("**", e, unary(true));
        }
        return e;
    }

    private Expr unary(boolean withFilter) {
        Expr e;
        if (peek().isOp("-") || peek().isOp("+")) {
            String op = next().value();
            nest();
            e = new JinjaAst.Unary(op, unary(false));
            unnest();
        } else {
            e = postfix(primary());
        }
        return withFilter ? filters(e) : e;
    }

    private Expr filters(Expr e) {
        while (true) {
            if (acceptOp("|")) {
                String name = dottedName();
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                if (acceptOp("(")) {
                    callArgs(args, kwargs);
                }
                e = postfix(new JinjaAst.Filter(e, name, args, kwargs));
            } else if (acceptName("is")) {
                boolean negated = acceptName("not");
                String name = dottedName();
                List<Expr> args = new ArrayList<>();
                if (acceptOp("(")) {
                    callArgs(args, new LinkedHashMap<>());
                } else if (startsPrimaryArgument()) {
                    args.add(postfix(primary()));
                }
                e = new JinjaAst.Test(e, name, args, negated);
            } else {
                return e;
            }
        }
    }

    /** A test written as {@code is divisibleby 3} or {@code is sameas none} takes one bare argument. */
    private boolean startsPrimaryArgument() {
        Token t = peek();
        if (t.kind() == Kind.STRING || t.kind() == Kind.INT || t.kind() == Kind.FLOAT) {
            return true;
        }
        return t.kind() == Kind.NAME && !Set.of("and", "or", "else", "if", "in", "is", "not").contains(t.value());
    }

    String dottedName() {
        StringBuilder sb = new StringBuilder(expect(Kind.NAME, null).value());
        while (peek().isOp(".") && tokens.get(pos + 1).kind() == Kind.NAME) {
            pos++;
            sb.append('.').append(next().value());
        }
        return sb.toString();
    }

    void callArgs(List<Expr> args, Map<String, Expr> kwargs) {
        while (!acceptOp(")")) {
            if (peek().kind() == Kind.NAME && tokens.get(pos + 1).isOp("=")) {
                String k = next().value();
                pos++;
                kwargs.put(k, expression());
            } else {
                args.add(expression());
            }
            if (!peek().isOp(")")) {
                expect(Kind.OP, ",");
            }
        }
    }

    private Expr primary() {
        Token t = next();
        switch (t.kind()) {
            case NAME:
                switch (t.value()) {
                    case "true": case "True": return new JinjaAst.Literal(Boolean.TRUE);
                    case "false": case "False": return new JinjaAst.Literal(Boolean.FALSE);
                    case "none": case "None": return new JinjaAst.Literal(null);
                    default: return new JinjaAst.Name(t.value());
                }
            case STRING: {
                StringBuilder sb = new StringBuilder(t.value());
                while (peek().kind() == Kind.STRING) {
                    sb.append(next().value());
                }
                return new JinjaAst.Literal(sb.toString());
            }
            case INT: return new JinjaAst.Literal(integer(t));
            case FLOAT: return new JinjaAst.Literal(Double.parseDouble(t.value()));
            case OP:
                if (t.value().equals("(")) {
                    if (acceptOp(")")) {
                        return new JinjaAst.ListExpr(List.of());
                    }
                    Expr e = expression();
                    if (peek().isOp(",")) {
                        List<Expr> items = new ArrayList<>(List.of(e));
                        while (acceptOp(",") && !peek().isOp(")")) {
                            items.add(expression());
                        }
                        e = new JinjaAst.ListExpr(items);
                    }
                    expect(Kind.OP, ")");
                    return e;
                }
                if (t.value().equals("[")) {
                    List<Expr> items = new ArrayList<>();
                    while (!acceptOp("]")) {
                        items.add(expression());
                        if (!peek().isOp("]")) {
                            expect(Kind.OP, ",");
                        }
                    }
                    return new JinjaAst.ListExpr(items);
                }
                if (t.value().equals("{")) {
                    List<Expr> keys = new ArrayList<>();
                    List<Expr> values = new ArrayList<>();
                    while (!acceptOp("}")) {
                        keys.add(expression());
                        expect(Kind.OP, ":");
                        values.add(expression());
                        if (!peek().isOp("}")) {
                            expect(Kind.OP, ",");
                        }
                    }
                    return new JinjaAst.DictExpr(keys, values);
                }
                break;
            default:
                break;
        }
        pos--;
        throw error("unexpected '" + t.value() + "' (" + t.kind() + ")");
    }

    /** Python ints are unbounded; ours are 64-bit, and a longer literal is an error, not a NumberFormatException. */
    private long integer(Token t) {
        try {
            return Long.parseLong(t.value());
        } catch (NumberFormatException e) {
            throw new TemplateException("template line " + t.line() + ": integer literal " + t.value() + " does not fit 64 bits");
        }
    }

    private Expr postfix(Expr e) {
        while (true) {
            if (acceptOp(".")) {
                Token t = next();
                if (t.kind() != Kind.NAME && t.kind() != Kind.INT) {
                    pos--;
                    throw error("expected attribute name");
                }
                e = t.kind() == Kind.INT ? new JinjaAst.Item(e, new JinjaAst.Literal(integer(t)))
                    : new JinjaAst.Attr(e, t.value());
            } else if (acceptOp("[")) {
                Expr start = null;
                if (!peek().isOp(":")) {
                    start = expression();
                    if (acceptOp("]")) {
                        e = new JinjaAst.Item(e, start);
                        continue;
                    }
                }
                expect(Kind.OP, ":");
                Expr stop = peek().isOp(":") || peek().isOp("]") ? null : expression();
                Expr step = null;
                if (acceptOp(":") && !peek().isOp("]")) {
                    step = expression();
                }
                expect(Kind.OP, "]");
                e = new JinjaAst.Slice(e, start, stop, step);
            } else if (acceptOp("(")) {
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                callArgs(args, kwargs);
                e = new JinjaAst.Call(e, args, kwargs);
            } else {
                return e;
            }
        }
    }
}
