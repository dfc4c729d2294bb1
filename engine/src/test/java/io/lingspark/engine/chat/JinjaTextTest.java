package io.lingspark.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Plain template strings in jinja2's default environment as lm-evaluation-harness uses it
 * ({@code Environment(undefined=StrictUndefined, keep_trailing_newline=True)}); every expected
 * string below is what jinja2 3.1 rendered for the same template and variables.
 */
class JinjaTextTest {
    private static final Map<String, Object> DOC = Map.of("question", "2+2?", "choices", List.of("3", "4"), "label", 1L);

    @Test
    void rendersVariablesIndexesAndKeepsTheTrailingNewline() {
        assertEquals("Question: 2+2?\nAnswer:", JinjaText.render("Question: {{question}}\nAnswer:", DOC));
        assertEquals("4 B", JinjaText.render("{{ choices[label] }} {{ 'ABCD'[label] }}", DOC));
        assertEquals("\nyes\n", JinjaText.render("{% if label %}\nyes{% endif %}\n", DOC));
    }

    @Test
    void blockTagsKeepTheirWhitespaceUnlikeChatTemplates() {
        // no trim_blocks / lstrip_blocks: the spaces before and the newline after each tag stay
        assertEquals("  \n- 3\n  \n- 4\n  \nend\n",
            JinjaText.render("  {% for c in choices %}\n- {{c}}\n  {% endfor %}\nend\n", DOC));
    }

    @Test
    void anUndefinedNameIsAnErrorNamingIt() {
        TemplateException e = assertThrows(TemplateException.class, () -> JinjaText.render("Q: {{ questoin }}", DOC));
        assertTrue(e.getMessage().contains("'questoin' is undefined"), e.getMessage());
        // a test for definedness still works, as with StrictUndefined
        assertEquals("no", JinjaText.render("{% if questoin is defined %}yes{% else %}no{% endif %}", DOC));
    }
}
