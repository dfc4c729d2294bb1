package io.lingspark.engine.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Jinja2 lexer with the environment transformers uses for chat templates: trim_blocks=True (the
 * first newline after a block or comment tag is dropped) and lstrip_blocks=True (spaces and tabs
 * before a block or comment tag at the start of a line are dropped), plus explicit {@code -}
 * (strip all whitespace on that side) and {@code +} (disable lstrip/trim on that side). Plain
 * template strings ({@link JinjaText}) lex with both off, as jinja2's default environment does.
 */
final class JinjaLexer {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    record Token(Kind kind, String value, int line) {
        boolean is(Kind k, String v) {
            return kind == k && value.equals(v);
        }

        boolean isOp(String v) {
            return is(Kind.OP, v);
        }

        boolean isName(String v) {
            return is(Kind.NAME, v);
        }
    }

    private static final String[] OPS = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~",
        "<", ">", "=", "(", ")", "[", "]", "{", "}", ".", ",", ":", "|"};

    private final String src;
    private final boolean chatBlocks;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private int line = 1;

    private JinjaLexer(String src, boolean chatBlocks) {
        this.src = src;
        this.chatBlocks = chatBlocks;
    }

    static List<Token> lex(String src) {
        return lex(src, true);
    }

    /** chatBlocks false: jinja2's default environment, trim_blocks and lstrip_blocks off. */
    static List<Token> lex(String src, boolean chatBlocks) {
        JinjaLexer lx = new JinjaLexer(src, chatBlocks);
        lx.run();
        return lx.out;
    }

    private void run() {
        // What the previous tag asked of the text that follows it.
        boolean stripLeading = false;
        boolean trimNewline = false;
        while (pos < src.length()) {
            int open = nextTagStart(pos);
            countLines(pos, open < 0 ? src.length() : open);
            String text = src.substring(pos, open < 0 ? src.length() : open);
            if (stripLeading) {
                text = text.stripLeading();
            } else if (trimNewline) {
                text = text.startsWith("\r\n") ? text.substring(2) : text.startsWith("\n") ? text.substring(1) : text;
            }
            if (open < 0) {
                emitText(text);
                break;
            }
            char kind = src.charAt(open + 1);
            char mod = open + 2 < src.length() ? src.charAt(open + 2) : ' ';
            if (mod == '-') {
                text = text.stripTrailing();
            } else if (kind != '{' && mod != '+' && chatBlocks) {
                text = lstripBlock(text, open);
            }
            emitText(text);
            pos = open + 2 + (mod == '-' || mod == '+' ? 1 : 0);
            if (kind == '#') {
                int end = src.indexOf("#}", pos);
                if (end < 0) {
                    throw new TemplateException("line " + line + ": unclosed comment");
                }
                char endMod = src.charAt(end - 1);
                countLines(pos, end + 2);
                pos = end + 2;
                stripLeading = endMod == '-';
                trimNewline = endMod != '+' && chatBlocks;
                continue;
            }
            boolean block = kind == '%';
            out.add(new Token(block ? Kind.BLOCK_BEGIN : Kind.VAR_BEGIN, "", line));
            char endMod = lexTag(block ? '%' : '}');
            out.add(new Token(block ? Kind.BLOCK_END : Kind.VAR_END, "", line));
            stripLeading = endMod == '-';
            trimNewline = block && endMod != '+' && chatBlocks;
        }
        out.add(new Token(Kind.EOF, "", line));
    }

    private int nextTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** lstrip_blocks: drop spaces/tabs between the line start and a block tag if nothing else is there. */
    private String lstripBlock(String text, int tagStart) {
        int i = text.length();
        while (i > 0 && (text.charAt(i - 1) == ' ' || text.charAt(i - 1) == '\t')) {
            i--;
        }
        boolean atLineStart = i > 0 ? text.charAt(i - 1) == '\n' : (tagStart - text.length() == 0
            || src.charAt(tagStart - text.length() - 1) == '\n');
        return atLineStart ? text.substring(0, i) : text;
    }

    private void emitText(String text) {
        if (!text.isEmpty()) {
            out.add(new Token(Kind.TEXT, text, line));
        }
    }

    private void countLines(int from, int to) {
        for (int i = from; i < to && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                line++;
            }
        }
    }

    /** Lexes expression tokens up to the closing delimiter; returns its modifier ('-', '+' or ' '). */
    private char lexTag(char close) {
        while (true) {
            if (pos >= src.length()) {
                throw new TemplateException("line " + line + ": unclosed tag");
            }
            char c = src.charAt(pos);
            if (Character.isWhitespace(c)) {
                if (c == '\n') {
                    line++;
                }
                pos++;
                continue;
            }
            if ((c == '-' || c == '+') && src.startsWith(close + "}", pos + 1)) {
                pos += 3;
                return c;
            }
            if (c == close && src.startsWith("}", pos + 1)) {
                pos += 2;
                return ' ';
            }
            if (c == '\'' || c == '"') {
                lexString(c);
            } else if (Character.isDigit(c)) {
                int start = pos;
                while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                    pos++;
                }
                boolean isFloat = pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1));
                if (isFloat) {
                    pos++;
                    while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                        pos++;
                    }
                }
                // Exponent (1e-5, 2.5E3): Jinja's float literal syntax.
                if (pos + 1 < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
                    int p = pos + 1;
                    if (p < src.length() && (src.charAt(p) == '+' || src.charAt(p) == '-')) {
                        p++;
                    }
                    if (p < src.length() && Character.isDigit(src.charAt(p))) {
                        while (p < src.length() && Character.isDigit(src.charAt(p))) {
                            p++;
                        }
                        pos = p;
                        isFloat = true;
                    }
                }
                out.add(new Token(isFloat ? Kind.FLOAT : Kind.INT, src.substring(start, pos).replace("_", ""), line));
            } else if (Character.isLetter(c) || c == '_') {
                int start = pos;
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                    pos++;
                }
                out.add(new Token(Kind.NAME, src.substring(start, pos), line));
            } else {
                String op = null;
                for (String o : OPS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    throw new TemplateException("line " + line + ": unexpected character '" + c + "'");
                }
                out.add(new Token(Kind.OP, op, line));
                pos += op.length();
            }
        }
    }

    /** A Python string literal with the usual backslash escapes. */
    private void lexString(char quote) {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= src.length()) {
                throw new TemplateException("line " + line + ": unterminated string");
            }
            char c = src.charAt(pos++);
            if (c == quote) {
                break;
            }
            if (c != '\\') {
                if (c == '\n') {
                    line++;
                }
                sb.append(c);
                continue;
            }
            if (pos >= src.length()) {
                throw new TemplateException("line " + line + ": unterminated string");
            }
            char e = src.charAt(pos++);
            switch (e) {
                case 'n': sb.append('\n'); break;
                case 't': sb.append('\t'); break;
                case 'r': sb.append('\r'); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case '0': sb.append('\0'); break;
                case '\\': case '\'': case '"': sb.append(e); break;
                case 'u': sb.append((char) hexEscape(4)); break;
                case 'x': sb.append((char) hexEscape(2)); break;
                case '\n': line++; break;
                default: sb.append('\\').append(e);
            }
        }
        out.add(new Token(Kind.STRING, sb.toString(), line));
    }

    /** The digits of a u (4) or x (2) escape, which must all be there and be hex. */
    private int hexEscape(int digits) {
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < src.length() ? Character.digit(src.charAt(pos), 16) : -1;
            if (d < 0) {
                throw new TemplateException("line " + line + ": a \\" + (digits == 4 ? 'u' : 'x') + " escape needs "
                    + digits + " hex digits");
            }
            v = v * 16 + d;
            pos++;
        }
        return v;
    }
}
