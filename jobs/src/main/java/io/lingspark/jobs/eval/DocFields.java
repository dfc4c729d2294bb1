package io.lingspark.jobs.eval;

import io.lingspark.engine.chat.JinjaText;
import io.lingspark.engine.chat.TemplateException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * doc_to_text, doc_to_target, doc_to_choice and description evaluated on one document, literally as
 * lm-eval's ConfigurableTask does (lm_eval/api/task.py):
 * <ul>
 * <li>an int stays an int; a string that is a column of the task's documents is that column's value;
 * any other string is a Jinja template rendered with the document's columns as variables;</li>
 * <li>a rendered text or target that is all digits becomes an int when the task has doc_to_choice;
 * a rendered target that looks like a list ({@code [...]}) is parsed as a Python literal if it is one;
 * a rendered doc_to_choice is always parsed as a Python literal (it must render a list).</li>
 * </ul>
 * A failure on one document is a {@link DocException} for that document.
 */
final class DocFields {
    private final TaskConfig task;
    private final Set<String> features;
    private final Map<String, JinjaText> templates = new HashMap<>();

    /** features: the eval documents' column names (lm-eval's task_docs.features). */
    DocFields(TaskConfig task, Set<String> features) {
        this.task = task;
        this.features = Set.copyOf(features);
    }

    private String render(String what, String template, Map<String, Object> doc) {
        try {
            return templates.computeIfAbsent(template, JinjaText::parse).render(doc);
        } catch (TemplateException e) {
            throw new DocException("TEMPLATE_ERROR", what + ": " + e.getMessage() + " (template " + PyLiteral.abbreviate(template) + ")", e);
        }
    }

    /** doc_to_text: the prompt text of the document (a String), or an Integer (lm-eval's multiple-input form). */
    Object text(Map<String, Object> doc) {
        Object spec = task.docToText();
        if (spec == null) {
            throw new DocException("TEMPLATE_ERROR", "doc_to_text is not set");
        }
        if (spec instanceof Integer i) {
            return i;
        }
        String s = (String) spec;
        if (features.contains(s)) {
            return column("doc_to_text", doc, s);
        }
        String text = render("doc_to_text", s, doc);
        if (PyLiteral.isDigit(text) && task.docToChoice() != null) {
            return literal("doc_to_text", text);
        }
        return text;
    }

    /** doc_to_target: an Integer (index into the choices), a String, or a List (several targets). */
    Object target(Map<String, Object> doc) {
        Object spec = task.docToTarget();
        if (spec == null) {
            throw new DocException("TEMPLATE_ERROR", "doc_to_target is not set");
        }
        if (spec instanceof Integer || spec instanceof List<?>) {
            return spec;
        }
        String s = (String) spec;
        if (features.contains(s)) {
            return column("doc_to_target", doc, s);
        }
        String target = render("doc_to_target", s, doc);
        if (PyLiteral.isDigit(target) && task.docToChoice() != null) {
            return literal("doc_to_target", target);
        }
        if (target.length() >= 2 && target.charAt(0) == '[' && target.charAt(target.length() - 1) == ']') {
            try {
                return PyLiteral.eval(target);
            } catch (IllegalArgumentException e) {
                return target; // lm-eval: not a literal after all, keep the text
            }
        }
        return target;
    }

    /** doc_to_choice: the document's choices as strings. */
    List<String> choices(Map<String, Object> doc) {
        Object spec = task.docToChoice();
        Object value;
        if (spec instanceof List<?> l) {
            value = l;
        } else if (spec instanceof String s && features.contains(s)) {
            value = column("doc_to_choice", doc, s);
        } else if (spec instanceof String s) {
            value = literal("doc_to_choice", render("doc_to_choice", s, doc));
        } else {
            throw new DocException("TEMPLATE_ERROR", "doc_to_choice is not set");
        }
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new DocException("INVALID_CHOICES", "doc_to_choice must give a non-empty list, got " + value);
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            out.add(pyStr(o));
        }
        return out;
    }

    /** The description rendered for this document ("" when the task has none). */
    String description(Map<String, Object> doc) {
        return task.description().isEmpty() ? "" : render("description", task.description(), doc);
    }

    /** A column's value; null (a missing value) is this document's error rather than the text "None". */
    private static Object column(String what, Map<String, Object> doc, String name) {
        Object v = doc.get(name);
        if (v == null) {
            throw new DocException("INVALID_DOCUMENT", what + ": column '" + name + "' is null in this document");
        }
        return v;
    }

    private static Object literal(String what, String text) {
        try {
            return PyLiteral.eval(text);
        } catch (IllegalArgumentException e) {
            throw new DocException("TEMPLATE_ERROR", what + " must render a Python literal: " + e.getMessage(), e);
        }
    }

    /** Python's str() of a JSON-shaped value, as lm-eval's f-strings write a choice or a target. */
    static String pyStr(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof Double d && d == Math.rint(d) && !d.isInfinite() && Math.abs(d) < 1e16) {
            return String.format(java.util.Locale.ROOT, "%.1f", d);
        }
        return String.valueOf(v);
    }
}
