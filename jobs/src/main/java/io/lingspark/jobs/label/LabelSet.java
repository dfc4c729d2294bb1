package io.lingspark.jobs.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The labels of a labeling run, in the user's order, each with an optional description that the
 * instruction shows the model. From {@code --labels a,b,c} or {@code --labels-file}: a JSON object
 * (label → description), a JSON array of labels, or text with one label a line, optionally
 * {@code label: description} (blank lines and lines starting with # are skipped).
 */
public record LabelSet(List<String> labels, Map<String, String> descriptions) implements Serializable {
    public LabelSet {
        if (labels.size() < 2) {
            throw new IllegalArgumentException("give at least two labels, got " + labels);
        }
        if (labels.stream().distinct().count() != labels.size()) {
            throw new IllegalArgumentException("labels repeat: " + labels);
        }
        for (String l : labels) {
            if (l.isBlank() || !l.equals(l.strip())) {
                throw new IllegalArgumentException("a label must be non-blank without surrounding spaces: '" + l + "'");
            }
        }
        labels = List.copyOf(labels);
        descriptions = Map.copyOf(descriptions);
    }

    public static LabelSet of(List<String> labels) {
        return new LabelSet(labels.stream().map(String::strip).filter(s -> !s.isEmpty()).toList(), Map.of());
    }

    public static LabelSet read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --labels-file " + file + ": " + e.getMessage(), e);
        }
        String t = text.strip();
        if (t.startsWith("{") || t.startsWith("[")) {
            return fromJson(file, t);
        }
        List<String> labels = new ArrayList<>();
        Map<String, String> desc = new LinkedHashMap<>();
        for (String line : t.split("\\R")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int colon = l.indexOf(": ");
            String label = colon < 0 ? l : l.substring(0, colon).strip();
            labels.add(label);
            if (colon >= 0 && !l.substring(colon + 2).isBlank()) {
                desc.put(label, l.substring(colon + 2).strip());
            }
        }
        return new LabelSet(labels, desc);
    }

    private static LabelSet fromJson(Path file, String json) {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("--labels-file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        List<String> labels = new ArrayList<>();
        Map<String, String> desc = new LinkedHashMap<>();
        if (n.isArray()) {
            n.forEach(x -> labels.add(x.asText()));
        } else {
            n.fields().forEachRemaining(e -> {
                labels.add(e.getKey());
                if (!e.getValue().isNull() && !e.getValue().asText().isBlank()) {
                    desc.put(e.getKey(), e.getValue().asText());
                }
            });
        }
        return new LabelSet(labels, desc);
    }

    public int size() {
        return labels.size();
    }
}
