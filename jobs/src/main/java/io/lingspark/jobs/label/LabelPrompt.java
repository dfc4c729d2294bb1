package io.lingspark.jobs.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.chat.ChatTemplate;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The conversation a row is labeled in: a system message with the instruction (the labels and their
 * descriptions), the few-shot examples as user/assistant turns, then the row's text as the user's turn.
 * The model's chat template renders it with its generation prompt, and each label is scored as the
 * assistant's whole answer: the label as the template writes an assistant turn, end-of-turn marker
 * included, so "pos" and "positive" are different answers rather than one a prefix of the other.
 *
 * <p>With --multi-label every label is its own yes/no question about the text (the text first, so
 * the questions of one row share its prefix in the engine's cache).
 */
public record LabelPrompt(LabelSet labels, String instruction, List<Example> fewShot, boolean multiLabel)
    implements Serializable {
    /** A few-shot example: a text and its label (for --multi-label, its labels). */
    public record Example(String text, List<String> labels) implements Serializable {
    }

    /** The default instruction for the labels. */
    public static String defaultInstruction(LabelSet labels, boolean multiLabel) {
        StringBuilder sb = new StringBuilder(multiLabel
            ? "Decide whether a label applies to the text. The labels:"
            : "Classify the text into exactly one of these labels:");
        for (String l : labels.labels()) {
            String d = labels.descriptions().get(l);
            sb.append("\n- ").append(l).append(d == null ? "" : ": " + d);
        }
        sb.append(multiLabel ? "\nAnswer yes or no only." : "\nAnswer with the label only.");
        return sb.toString();
    }

    /** The conversation for a text, up to the user's turn (single label: the answer is the label). */
    public List<Map<String, Object>> messages(String text) {
        List<Map<String, Object>> ms = new ArrayList<>();
        ms.add(message("system", instruction));
        for (Example e : fewShot) {
            if (multiLabel) {
                for (String l : labels.labels()) {
                    ms.add(message("user", question(e.text(), l)));
                    ms.add(message("assistant", e.labels().contains(l) ? "yes" : "no"));
                }
            } else {
                ms.add(message("user", e.text()));
                ms.add(message("assistant", e.labels().get(0)));
            }
        }
        ms.add(message("user", text));
        return ms;
    }

    /** --multi-label: the conversation asking whether one label applies to the text. */
    public List<Map<String, Object>> question(String text, int label) {
        List<Map<String, Object>> ms = messages(text);
        ms.set(ms.size() - 1, message("user", question(text, labels.labels().get(label))));
        return ms;
    }

    private static String question(String text, String label) {
        return "Text:\n" + text + "\n\nDoes the label '" + label + "' apply?";
    }

    private static final String MARK = "LINGSPARKANSWERMARK";

    /**
     * Each answer as the template writes an assistant turn after the conversation: render the
     * conversation with an assistant message holding a marker, cut off what the generation-prompt
     * rendering already holds, and put each answer in the marker's place. A template that rewrites
     * earlier turns once an answer follows (so the two renderings do not share their start) gives the
     * bare answers.
     */
    public static List<String> answers(ChatTemplate template, List<Map<String, Object>> conversation, List<String> answers) {
        String context = template.render(conversation, null, true, Map.of());
        List<Map<String, Object>> withAnswer = new ArrayList<>(conversation);
        withAnswer.add(message("assistant", MARK));
        String full = template.render(withAnswer, null, false, Map.of());
        int at = full.indexOf(MARK, context.length());
        if (!full.startsWith(context) || at < 0 || full.indexOf(MARK, at + 1) >= 0) {
            return answers;
        }
        String turn = full.substring(context.length());
        return answers.stream().map(a -> turn.replace(MARK, a)).toList();
    }

    /**
     * Few-shot examples from a JSONL file: one object a line with the text under {@code textField} (or
     * "text") and the label under "label" (a string, or for --multi-label an array of labels; "labels"
     * too). Every label must be one of the run's labels.
     */
    public static List<Example> readFewShot(Path file, String textField, LabelSet labels) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --few-shot " + file + ": " + e.getMessage(), e);
        }
        ObjectMapper json = new ObjectMapper();
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String where = "--few-shot " + file + " line " + (i + 1);
            JsonNode n;
            try {
                n = json.readTree(lines.get(i));
            } catch (IOException e) {
                throw new IllegalArgumentException(where + " is not valid JSON");
            }
            JsonNode text = n.has(textField) ? n.get(textField) : n.get("text");
            JsonNode label = n.has("label") ? n.get("label") : n.get("labels");
            if (text == null || !text.isTextual() || label == null) {
                throw new IllegalArgumentException(where + ": needs \"" + textField + "\" (or \"text\") and \"label\"");
            }
            List<String> ls = new ArrayList<>();
            if (label.isArray()) {
                label.forEach(x -> ls.add(x.asText()));
            } else {
                ls.add(label.asText());
            }
            for (String l : ls) {
                if (!labels.labels().contains(l)) {
                    throw new IllegalArgumentException(where + ": label '" + l + "' is not one of " + labels.labels());
                }
            }
            out.add(new Example(text.asText(), ls));
        }
        return out;
    }

    static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
