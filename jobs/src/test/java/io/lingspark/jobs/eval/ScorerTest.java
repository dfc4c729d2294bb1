package io.lingspark.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-document scores recomputed from their definitions; filters and exact_match against Python's re. */
class ScorerTest {
    @TempDir
    Path dir;

    private static DocRequest mc(List<String> choices, int gold) {
        return new DocRequest("t", 0, OutputType.MULTIPLE_CHOICE, "ctx", choices.stream().map(c -> " " + c).toList(), null, null,
            choices, List.of(gold), null, null, null);
    }

    private static ModelOutput lls(double[] lls, int greedy) {
        List<ModelOutput.ChoiceScore> out = new ArrayList<>();
        for (int i = 0; i < lls.length; i++) {
            out.add(new ModelOutput.ChoiceScore(lls[i], i == greedy));
        }
        return ModelOutput.ofChoices(out);
    }

    private TaskConfig mcTask() {
        return TaskConfig.load(EvalFixtures.task(dir, "task: t\noutput_type: multiple_choice\ndataset_path: json\n"
            + "dataset_kwargs:\n  data_files:\n    test: t.jsonl\ntest_split: test\ndoc_to_text: q\ndoc_to_target: 0\n"
            + "doc_to_choice: [a, b]\nmetric_list:\n  - metric: acc\n  - metric: acc_norm\n  - metric: exact_match\n",
            Map.of("t.jsonl", "{\"q\": \"x\"}\n")));
    }

    @Test
    void accAndAccNormAreTheirDefinitionsOnChoiceLoglikelihoods() {
        TaskConfig task = mcTask();
        Random random = new Random(14);
        String[] words = {"a", "Brasília", "much longer answer", "Ω", "no", "São Paulo", "一二三"};
        for (int doc = 0; doc < 500; doc++) {
            int n = 2 + random.nextInt(4);
            List<String> choices = new ArrayList<>();
            double[] lls = new double[n];
            for (int i = 0; i < n; i++) {
                choices.add(words[random.nextInt(words.length)] + (random.nextBoolean() ? "" : " " + i));
                lls[i] = -20 * random.nextDouble();
            }
            int gold = random.nextInt(n);
            int greedy = random.nextInt(n);
            // the definitions: argmax of loglikelihoods, and of loglikelihood / UTF-8 length of the choice
            int pred = 0;
            int predNorm = 0;
            for (int i = 1; i < n; i++) {
                pred = lls[i] > lls[pred] ? i : pred;
                double norm = lls[i] / choices.get(i).getBytes(StandardCharsets.UTF_8).length;
                predNorm = norm > lls[predNorm] / choices.get(predNorm).getBytes(StandardCharsets.UTF_8).length ? i : predNorm;
            }
            DocResult r = Scorer.score(task, mc(choices, gold), lls(lls, greedy));
            assertEquals(pred == gold ? 1.0 : 0.0, r.scores().get("acc"));
            assertEquals(predNorm == gold ? 1.0 : 0.0, r.scores().get("acc_norm"));
            assertEquals(greedy == gold ? 1.0 : 0.0, r.scores().get("exact_match"));
            double z = 0;
            for (double ll : lls) {
                z += Math.exp(ll);
            }
            assertEquals(Math.exp(lls[pred]) / z, r.confidence(), 1e-12);
            assertEquals(choices.get(pred), r.prediction());
            assertEquals(pred == gold, r.correct());
        }
    }

    @Test
    void accNormPrefersTheLongChoiceWhenItsPerByteLoglikelihoodIsHigher() {
        DocResult r = Scorer.score(mcTask(), mc(List.of("a", "much longer answer"), 1), lls(new double[] {-2.0, -5.0}, 0));
        assertEquals(0.0, r.scores().get("acc")); // -2 > -5
        assertEquals(1.0, r.scores().get("acc_norm")); // -2 / 1 < -5 / 18
    }

    @Test
    void regexFiltersMatchPythonsRe() {
        for (JsonNode c : EvalFixtures.reference().get("filters")) {
            FilterSpec.Step step = new FilterSpec.Step("regex", PyRegex.compile("", c.get("pattern").asText()),
                c.get("group_select").asInt(), "[invalid]");
            assertEquals(c.get("filtered").asText(), step.apply(c.get("response").asText()), c.toString());
        }
    }

    @Test
    void exactMatchMatchesItsDefinition() {
        for (JsonNode c : EvalFixtures.reference().get("exact_match")) {
            List<String> ignore = new ArrayList<>();
            c.get("regexes_to_ignore").forEach(n -> ignore.add(n.asText()));
            MetricSpec m = new MetricSpec("exact_match", "exact_match", Aggregation.MEAN, true, c.get("ignore_case").asBoolean(),
                c.get("ignore_punctuation").asBoolean(), c.get("ignore_numbers").asBoolean(), ignore);
            assertEquals(c.get("score").asDouble() == 1.0, Scorer.exactMatch(m, c.get("prediction").asText(), c.get("reference").asText()),
                c.toString());
        }
    }

    @Test
    void generatedTextIsCutAtStopsFilteredPerPipelineAndScored() {
        TaskConfig task = TaskConfig.load(EvalFixtures.ARITHMETIC);
        DocRequest r = new DocRequest("arithmetic", 3, OutputType.GENERATE_UNTIL, "ctx", null, null, task.generation(), null, null,
            List.of("1234"), null, null);
        DocResult strict = Scorer.score(task, r, ModelOutput.ofText(" 1,234\n\nQuestion: next"));
        assertEquals(Map.of("strict-match", "1,234", "flexible-extract", "1,234"), strict.filtered());
        assertEquals(1.0, strict.scores().get("exact_match,strict-match")); // "," is ignored
        assertEquals(1.0, strict.scores().get("exact_match,flexible-extract"));
        DocResult chatty = Scorer.score(task, r, ModelOutput.ofText(" It is 1234 apples. Question: other 5"));
        assertEquals("[invalid]", chatty.filtered().get("strict-match"));
        assertEquals(0.0, chatty.scores().get("exact_match,strict-match"));
        assertEquals(1.0, chatty.scores().get("exact_match,flexible-extract"));
        assertEquals("[invalid]", chatty.prediction()); // the first pipeline's output
        assertEquals("ab", Scorer.cutAtStops("ab\n\ncd", List.of("", "\n\n", "zz")));
    }

    @Test
    void theOtherFilterFunctionsAndSeveralReferences() {
        FilterSpec pipeline = new FilterSpec("p", List.of(new FilterSpec.Step("remove_whitespace", null, 0, null),
            new FilterSpec.Step("lowercase", null, 0, null), new FilterSpec.Step("take_first", null, 0, null)), List.of());
        assertEquals("paris is it ", pipeline.apply(" \u00a0\tParis IS it "));
        assertEquals("PARIS", new FilterSpec.Step("uppercase", null, 0, null).apply("Paris"));
        TaskConfig task = TaskConfig.load(EvalFixtures.task(dir, "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n"
            + "    test: t.jsonl\ntest_split: test\ndoc_to_text: q\ndoc_to_target: a\n", Map.of("t.jsonl", "{\"q\": \"x\", \"a\": [\"x\"]}\n")));
        DocRequest r = new DocRequest("t", 0, OutputType.GENERATE_UNTIL, "ctx", null, null, task.generation(), null, null,
            List.of("Rome", "Roma"), null, null);
        assertEquals(1.0, Scorer.score(task, r, ModelOutput.ofText("Roma")).scores().get("exact_match"));
        assertEquals(0.0, Scorer.score(task, r, ModelOutput.ofText("roma")).scores().get("exact_match"));
    }

    @Test
    void rollingValuesUseLmEvalsWordsAndBytes() {
        JsonNode ref = EvalFixtures.reference().get("rolling");
        for (int i = 0; i < ref.get("texts").size(); i++) {
            String text = ref.get("texts").get(i).asText();
            assertEquals(ref.get("words").get(i).asLong(), Scorer.countWords(text), text);
        }
        TaskConfig task = TaskConfig.load(EvalFixtures.task(dir, "task: t\noutput_type: loglikelihood_rolling\ndataset_path: json\n"
            + "dataset_kwargs:\n  data_files:\n    test: t.jsonl\ntest_split: test\ndoc_to_target: text\n", Map.of("t.jsonl", "{\"text\": \"x\"}\n")));
        DocRequest r = new DocRequest("t", 0, OutputType.LOGLIKELIHOOD_ROLLING, null, null, "Ein Brötchen, bitte.", null, null, null,
            List.of("Ein Brötchen, bitte."), null, null);
        DocResult d = Scorer.score(task, r, ModelOutput.ofRolling(-18.0));
        assertEquals(3L, d.words());
        assertEquals(21L, d.bytes());
        assertEquals(Math.exp(18.0 / 3), d.scores().get("word_perplexity"), 1e-9);
        assertEquals(Math.exp(18.0 / 21), d.scores().get("byte_perplexity"), 1e-12);
        assertEquals(18.0 / 21 / Math.log(2), d.scores().get("bits_per_byte"), 1e-12);
    }

    @Test
    void errorsStayErrorsAndAMismatchedOutputIsOne() {
        TaskConfig task = mcTask();
        DocResult fromRequest = Scorer.score(task, DocRequest.error("t", 2, OutputType.MULTIPLE_CHOICE, "INVALID_TARGET", "bad"),
            ModelOutput.ofError("X", "never asked"));
        assertEquals("INVALID_TARGET", fromRequest.errorCode());
        assertTrue(fromRequest.scores().isEmpty());
        DocResult fromEngine = Scorer.score(task, mc(List.of("a", "b"), 0), ModelOutput.ofError("PROMPT_TOO_LONG", "too long"));
        assertEquals("PROMPT_TOO_LONG", fromEngine.errorCode());
        DocResult mismatch = Scorer.score(task, mc(List.of("a", "b"), 0), lls(new double[] {-1}, 0));
        assertEquals("MODEL_OUTPUT", mismatch.errorCode());
        assertNull(mismatch.prediction());
    }
}
