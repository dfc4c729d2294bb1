package io.lingspark.engine.chat;

import java.util.List;
import java.util.Map;

/**
 * A template string rendered with a map of variables in jinja2's default environment, the one
 * lm-evaluation-harness renders task prompts in ({@code Environment(undefined=StrictUndefined,
 * keep_trailing_newline=True)}): no trim_blocks or lstrip_blocks, the source's trailing newline kept,
 * and printing an undefined name is an error naming it. Same expression language, filters and Python
 * value semantics as chat templates ({@link JinjaChatTemplate}).
 */
public final class JinjaText {
    private final List<JinjaAst.Node> template;

    private JinjaText(String source) {
        this.template = JinjaParser.parse(source, JinjaLimits.DEFAULT, false);
    }

    /** Parses once; a syntax error is a TemplateException. */
    public static JinjaText parse(String source) {
        if (source == null) {
            throw new IllegalArgumentException("template source is null");
        }
        return new JinjaText(source);
    }

    /** Renders with these variables; any failure (undefined name, type error) is a TemplateException. */
    public String render(Map<String, Object> variables) {
        return JinjaRenderer.render(template, variables == null ? Map.of() : variables, JinjaLimits.DEFAULT, true);
    }

    public static String render(String source, Map<String, Object> variables) {
        return parse(source).render(variables);
    }
}
