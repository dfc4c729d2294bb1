package io.lingspark.engine.chat;

import io.lingspark.engine.chat.JinjaAst.Expr;
import io.lingspark.engine.chat.JinjaAst.Node;
import io.lingspark.engine.chat.JinjaLexer.Kind;
import io.lingspark.engine.chat.JinjaLexer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive-descent parser for the Jinja2 statements chat templates use (expressions: JinjaExprParser). */
final class JinjaParser extends JinjaExprParser {
    private JinjaParser(List<Token> tokens, int maxNesting) {
        super(tokens, maxNesting);
    }

    static List<Node> parse(String source, JinjaLimits limits) {
        return parse(source, limits, true);
    }

    /** chatBlocks: the chat-template environment's trim_blocks/lstrip_blocks (false: jinja2's defaults). */
    static List<Node> parse(String source, JinjaLimits limits, boolean chatBlocks) {
        if (source.length() > limits.maxSourceChars()) {
            throw RenderBudget.over("template source of " + source.length() + " chars", limits.maxSourceChars());
        }
        try {
            JinjaParser p = new JinjaParser(JinjaLexer.lex(source, chatBlocks), limits.maxNesting());
            List<Node> body = p.body(Set.of());
            if (p.peek().kind() != Kind.EOF) {
                throw p.error("unexpected '" + p.tokens.get(p.pos + 1).value() + "' tag");
            }
            return body;
        } catch (TemplateException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // The lexer and parser report what they know as TemplateException; anything else is still bad input
            // (a stack overflow only on a thread whose stack is smaller than the nesting limit assumes).
            throw new TemplateException("template does not parse: " + e, e);
        }
    }

    /** Statements until a block tag whose name is in endTags (left unconsumed, at its BLOCK_BEGIN). */
    private List<Node> body(Set<String> endTags) {
        nest();
        List<Node> nodes = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF:
                    if (!endTags.isEmpty()) {
                        throw error("missing end tag, one of " + endTags);
                    }
                    unnest();
                    return nodes;
                case TEXT:
                    pos++;
                    nodes.add(new JinjaAst.Text(t.value()));
                    break;
                case VAR_BEGIN:
                    pos++;
                    nodes.add(new JinjaAst.Output(expression()));
                    expect(Kind.VAR_END, null);
                    break;
                case BLOCK_BEGIN:
                    Token name = tokens.get(pos + 1);
                    if (endTags.contains(name.value())) {
                        unnest();
                        return nodes;
                    }
                    pos += 2;
                    nodes.add(statement(name));
                    break;
                default:
                    throw error("unexpected " + t.kind());
            }
        }
    }

    private void endTag(String name) {
        expect(Kind.BLOCK_BEGIN, null);
        expect(Kind.NAME, name);
        expect(Kind.BLOCK_END, null);
    }

    private Node statement(Token name) {
        if (name.kind() != Kind.NAME) {
            throw error("expected a tag name");
        }
        switch (name.value()) {
            case "if": return ifStatement();
            case "for": return forStatement();
            case "set": return setStatement();
            case "macro": return macroStatement();
            case "generation": {
                expect(Kind.BLOCK_END, null);
                List<Node> b = body(Set.of("endgeneration"));
                endTag("endgeneration");
                return new JinjaAst.Block(b);
            }
            case "break":
                expect(Kind.BLOCK_END, null);
                return new JinjaAst.Break();
            case "continue":
                expect(Kind.BLOCK_END, null);
                return new JinjaAst.Continue();
            default:
                pos--;
                throw error("unsupported tag '" + name.value() + "'");
        }
    }

    private Node ifStatement() {
        List<Expr> conds = new ArrayList<>();
        List<List<Node>> branches = new ArrayList<>();
        List<Node> orElse = List.of();
        conds.add(expression());
        expect(Kind.BLOCK_END, null);
        Set<String> ends = Set.of("elif", "else", "endif");
        branches.add(body(ends));
        while (true) {
            expect(Kind.BLOCK_BEGIN, null);
            String tag = next().value();
            if (tag.equals("elif")) {
                conds.add(expression());
                expect(Kind.BLOCK_END, null);
                branches.add(body(ends));
            } else if (tag.equals("else")) {
                expect(Kind.BLOCK_END, null);
                orElse = body(Set.of("endif"));
            } else {
                expect(Kind.BLOCK_END, null);
                return new JinjaAst.If(conds, branches, orElse);
            }
        }
    }

    private Node forStatement() {
        List<String> targets = new ArrayList<>();
        boolean paren = acceptOp("(");
        do {
            targets.add(expect(Kind.NAME, null).value());
        } while (acceptOp(","));
        if (paren) {
            expect(Kind.OP, ")");
        }
        expect(Kind.NAME, "in");
        Expr iterable = conditionalFree();
        Expr filter = acceptName("if") ? conditionalFree() : null;
        if (acceptName("recursive")) {
            throw error("recursive loops are not supported");
        }
        expect(Kind.BLOCK_END, null);
        List<Node> body = body(Set.of("else", "endfor"));
        List<Node> orElse = List.of();
        expect(Kind.BLOCK_BEGIN, null);
        if (next().value().equals("else")) {
            expect(Kind.BLOCK_END, null);
            orElse = body(Set.of("endfor"));
            endTag("endfor");
        } else {
            expect(Kind.BLOCK_END, null);
        }
        return new JinjaAst.For(targets, iterable, filter, body, orElse);
    }

    private Node setStatement() {
        List<String> targets = new ArrayList<>();
        targets.add(expect(Kind.NAME, null).value());
        String attr = null;
        if (acceptOp(".")) {
            attr = expect(Kind.NAME, null).value();
        } else {
            while (acceptOp(",")) {
                targets.add(expect(Kind.NAME, null).value());
            }
        }
        if (acceptOp("=")) {
            Expr value = expression();
            if (peek().isOp(",")) {
                List<Expr> items = new ArrayList<>(List.of(value));
                while (acceptOp(",")) {
                    items.add(expression());
                }
                value = new JinjaAst.ListExpr(items);
            }
            expect(Kind.BLOCK_END, null);
            return new JinjaAst.Set(targets, attr, value, null);
        }
        expect(Kind.BLOCK_END, null);
        List<Node> b = body(Set.of("endset"));
        endTag("endset");
        return new JinjaAst.Set(targets, attr, null, b);
    }

    private Node macroStatement() {
        String name = expect(Kind.NAME, null).value();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expect(Kind.OP, "(");
        while (!acceptOp(")")) {
            params.add(expect(Kind.NAME, null).value());
            defaults.add(acceptOp("=") ? expression() : null);
            if (!peek().isOp(")")) {
                expect(Kind.OP, ",");
            }
        }
        expect(Kind.BLOCK_END, null);
        List<Node> b = body(Set.of("endmacro"));
        endTag("endmacro");
        return new JinjaAst.Macro(name, params, defaults, b);
    }
}
