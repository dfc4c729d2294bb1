package io.lingspark.jobs.label;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.chat.ChatTemplate;
import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.tokenizer.TokenizerWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The labeling conversation, each label as the template's assistant answer, label files and few-shot files. */
class LabelPromptTest {
    @TempDir
    Path tmp;

    @Test
    void eachLabelIsTheAssistantTurnTheTemplateWrites() {
        TokenizerWriter.write(tmp);
        ChatTemplate t = JinjaChatTemplate.load(tmp);
        LabelSet labels = LabelSet.of(List.of("positive", "negative"));
        LabelPrompt p = new LabelPrompt(labels, LabelPrompt.defaultInstruction(labels, false),
            List.of(new LabelPrompt.Example("great", List.of("positive"))), false);
        List<Map<String, Object>> ms = p.messages("awful service");
        assertEquals(List.of("system", "user", "assistant", "user"), ms.stream().map(m -> m.get("role")).toList());
        List<String> answers = LabelPrompt.answers(t, ms, labels.labels());
        String context = t.render(ms, null, true, Map.of());
        for (int i = 0; i < 2; i++) {
            List<Map<String, Object>> done = new ArrayList<>(ms);
            done.add(LabelPrompt.message("assistant", labels.labels().get(i)));
            // context + answer is exactly the conversation with that answer, as the template renders it
            assertEquals(t.render(done, null, false, Map.of()), context + answers.get(i));
            assertTrue(answers.get(i).startsWith(labels.labels().get(i)), answers.get(i));
        }
        assertTrue(answers.get(0).length() > "positive".length(), "the template's end of turn is part of the answer");
    }

    @Test
    void defaultInstructionListsLabelsAndDescriptions() throws Exception {
        Path f = Files.writeString(tmp.resolve("labels.txt"), "# sentiment\npositive: the writer likes it\nnegative\n\n");
        LabelSet s = LabelSet.read(f);
        assertEquals(List.of("positive", "negative"), s.labels());
        String i = LabelPrompt.defaultInstruction(s, false);
        assertTrue(i.contains("- positive: the writer likes it\n- negative\n"), i);
        Path j = Files.writeString(tmp.resolve("labels.json"), "{\"spam\": \"unwanted\", \"ham\": null}");
        assertEquals(List.of("spam", "ham"), LabelSet.read(j).labels());
        assertEquals(Map.of("spam", "unwanted"), LabelSet.read(j).descriptions());
        assertThrows(IllegalArgumentException.class, () -> LabelSet.of(List.of("a")));
        assertThrows(IllegalArgumentException.class, () -> LabelSet.of(List.of("a", "a")));
    }

    @Test
    void fewShotLabelsMustBeKnown() throws Exception {
        LabelSet labels = LabelSet.of(List.of("a", "b"));
        Path f = Files.writeString(tmp.resolve("shots.jsonl"), "{\"review\": \"x\", \"label\": \"a\"}\n\n{\"text\": \"y\", \"labels\": [\"a\", \"b\"]}\n");
        List<LabelPrompt.Example> ex = LabelPrompt.readFewShot(f, "review", labels);
        assertEquals(List.of(new LabelPrompt.Example("x", List.of("a")), new LabelPrompt.Example("y", List.of("a", "b"))), ex);
        Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "{\"text\": \"x\", \"label\": \"c\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelPrompt.readFewShot(bad, "text", labels));
        assertTrue(e.getMessage().contains("line 1: label 'c' is not one of [a, b]"), e.getMessage());
    }

    @Test
    void scoresAreTheNormalisedExponentials() {
        double[] p = LabelScores.normalize(new double[] {-1000.5, -1001.0, -1003.0});
        double z = Math.exp(-1000.5) + Math.exp(-1001.0) + Math.exp(-1003.0); // 0 in doubles: why the max shift
        assertEquals(0.0, z);
        double[] expected = {1 / (1 + Math.exp(-0.5) + Math.exp(-2.5)), Math.exp(-0.5) / (1 + Math.exp(-0.5) + Math.exp(-2.5)),
            Math.exp(-2.5) / (1 + Math.exp(-0.5) + Math.exp(-2.5))};
        assertArrayEquals(expected, p, 1e-15);
        assertEquals(0, LabelScores.argmax(p));
    }
}
