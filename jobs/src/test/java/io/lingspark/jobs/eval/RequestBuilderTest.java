package io.lingspark.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example tasks' requests. Fewshot prompts are compared with reference.json, which
 * make_reference.py built with CPython's random.Random(1234).sample and jinja2, as lm-eval does.
 */
class RequestBuilderTest {
    @TempDir
    Path dir;

    private static List<String> contexts(List<DocRequest> requests) {
        return requests.stream().map(DocRequest::context).toList();
    }

    private static List<String> expected(String task) {
        List<String> out = new ArrayList<>();
        EvalFixtures.reference().get(task).get("contexts").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void generateUntilPromptsMatchLmEvalsFewshotDraws() {
        TaskConfig task = TaskConfig.load(EvalFixtures.ARITHMETIC);
        List<Map<String, Object>> test = EvalFixtures.docs(task, "test");
        List<DocRequest> requests = RequestBuilder.build(task, test, EvalFixtures.docs(task, "train"), task.numFewshot(), 0);
        assertEquals(32, requests.size());
        assertEquals(expected("arithmetic"), contexts(requests));
        DocRequest first = requests.get(0);
        assertEquals(0, first.docId());
        assertEquals(List.of("30"), first.targets());
        assertEquals(task.generation(), first.generation());
        assertFalse(first.isError());
    }

    @Test
    void fewshotFromTheTestSplitDrawsOneMoreAndDropsTheDocumentItself() {
        String yaml = "include: " + EvalFixtures.ARITHMETIC + "\ndataset_path: " + EvalFixtures.EXAMPLES.resolve("arithmetic/data")
            + "\nfewshot_split: test\n";
        TaskConfig task = TaskConfig.load(EvalFixtures.task(dir, yaml, Map.of()));
        List<Map<String, Object>> test = EvalFixtures.docs(task, "test");
        List<DocRequest> requests = RequestBuilder.build(task, test, test, 3, 0);
        assertEquals(expected("arithmetic_same_split"), contexts(requests));
        for (DocRequest r : requests) {
            String own = "Question: " + test.get(r.docId()).get("question") + "\nAnswer:";
            assertEquals(r.context().indexOf(own), r.context().length() - own.length(), "a document is never its own example");
        }
    }

    @Test
    void multipleChoiceContinuationsAndGold() {
        TaskConfig task = TaskConfig.load(EvalFixtures.CAPITALS);
        List<Map<String, Object>> test = EvalFixtures.docs(task, "test");
        // --num-fewshot 2 over the task's 0
        List<DocRequest> requests = RequestBuilder.build(task, test, EvalFixtures.docs(task, "train"), 2, 0);
        assertEquals(expected("capitals"), contexts(requests));
        DocRequest france = requests.get(0);
        assertEquals(List.of(" Paris", " Lyon", " Marseille", " Toulouse"), france.continuations());
        assertEquals(List.of(0), france.gold());
        assertEquals("Paris", france.targetText());
        List<DocRequest> zeroShot = RequestBuilder.build(task, test, null, 0, 3);
        assertEquals(3, zeroShot.size());
        assertEquals("The following are questions about the capital cities of countries.\n\n"
            + "Question: What is the capital of France?\nAnswer:", zeroShot.get(0).context());
    }

    @Test
    void buildingIsDeterministicAndLimitKeepsTheFirstDocuments() {
        TaskConfig task = TaskConfig.load(EvalFixtures.ARITHMETIC);
        List<Map<String, Object>> test = EvalFixtures.docs(task, "test");
        List<Map<String, Object>> train = EvalFixtures.docs(task, "train");
        List<DocRequest> a = RequestBuilder.build(task, test, train, 3, 0);
        assertEquals(a, RequestBuilder.build(task, test, train, 3, 0));
        assertEquals(a.subList(0, 5), RequestBuilder.build(task, test, train, 3, 5));
        JsonNode picks = EvalFixtures.reference().get("arithmetic").get("picks");
        assertEquals(picks.get(1).size(), 3);
    }

    @Test
    void aBadDocumentIsAnErrorRowAndTheOthersKeepTheirExamples() {
        TaskConfig task = TaskConfig.load(EvalFixtures.CAPITALS);
        List<Map<String, Object>> test = new ArrayList<>(EvalFixtures.docs(task, "test"));
        Map<String, Object> bad = new HashMap<>(test.get(4));
        bad.put("label", 7L);
        test.set(4, bad);
        List<DocRequest> requests = RequestBuilder.build(task, test, EvalFixtures.docs(task, "train"), 2, 0);
        assertEquals(32, requests.size());
        assertEquals("INVALID_TARGET", requests.get(4).errorCode());
        assertTrue(requests.get(4).errorMessage().contains("target 7 is not one of the 4 choices"), requests.get(4).errorMessage());
        assertNull(requests.get(4).context());
        List<String> want = expected("capitals");
        for (int i = 0; i < 32; i++) {
            if (i != 4) {
                assertEquals(want.get(i), requests.get(i).context());
            }
        }
    }

    @Test
    void templatesRenderingListsNumbersAndChoiceTexts() {
        String data = "{\"country\": \"Brazil\", \"options\": [\"São Paulo\", \"Brasília\"], \"answer\": 1}\n";
        String yaml = "task: t\noutput_type: multiple_choice\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: t.jsonl\n"
            + "test_split: test\ndoc_to_text: \"Capital of {{country}}?\"\ntarget_delimiter: \": \"\n"
            + "doc_to_choice: \"{{options}}\"\n";
        List<Map<String, Object>> docs = EvalFixtures.readJsonl(EvalFixtures.task(dir, yaml + "doc_to_target: x\n", Map.of("t.jsonl", data))
            .resolveSibling("t.jsonl"));
        for (String target : List.of("\"{{answer}}\"", "\"{{options[answer]}}\"", "answer", "1", "\"{{[answer]}}\"")) {
            TaskConfig task = TaskConfig.load(EvalFixtures.task(dir, yaml + "doc_to_target: " + target + "\n", Map.of()));
            DocRequest r = RequestBuilder.build(task, docs, null, 0, 0).get(0);
            assertEquals(List.of(": São Paulo", ": Brasília"), r.continuations(), target);
            assertEquals(List.of(1), r.gold(), target);
            assertEquals("Capital of Brazil?", r.context());
        }
    }

    @Test
    void anUndefinedTemplateVariableIsNamed() {
        String yaml = "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: t.jsonl\n"
            + "test_split: test\ndoc_to_text: \"{{questoin}}\"\ndoc_to_target: a\n";
        Path file = EvalFixtures.task(dir, yaml, Map.of("t.jsonl", "{\"question\": \"q\", \"a\": \"1\"}\n"));
        DocRequest r = RequestBuilder.build(TaskConfig.load(file), EvalFixtures.readJsonl(dir.resolve("t.jsonl")), null, 0, 0).get(0);
        assertEquals("TEMPLATE_ERROR", r.errorCode());
        assertTrue(r.errorMessage().contains("'questoin' is undefined"), r.errorMessage());
    }

    @Test
    void loglikelihoodAndRollingRequests() {
        String data = "{\"text\": \"It rained all day.\", \"prefix\": \"Weather report:\", \"cont\": \" Rain.\"}\n";
        String base = "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: t.jsonl\ntest_split: test\n";
        Path file = EvalFixtures.task(dir, base + "output_type: loglikelihood\ndoc_to_text: prefix\ndoc_to_target: cont\n", Map.of("t.jsonl", data));
        List<Map<String, Object>> docs = EvalFixtures.readJsonl(dir.resolve("t.jsonl"));
        DocRequest ll = RequestBuilder.build(TaskConfig.load(file), docs, null, 0, 0).get(0);
        assertEquals("Weather report:", ll.context());
        assertEquals(List.of(" Rain."), ll.continuations()); // the target as is, no delimiter (lm-eval)
        EvalFixtures.task(dir, base + "output_type: loglikelihood_rolling\ndoc_to_text: \"\"\ndoc_to_target: \"{{text}}\"\n", Map.of());
        DocRequest rolling = RequestBuilder.build(TaskConfig.load(file), docs, null, 0, 0).get(0);
        assertNull(rolling.context());
        assertEquals("It rained all day.", rolling.rollingText());
    }

    @Test
    void aNullColumnIsTheDocumentsErrorNotTheTextNone() {
        String yaml = "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: t.jsonl\ntest_split: test\n"
            + "doc_to_text: \"{{q}}\"\ndoc_to_target: a\n";
        Path file = EvalFixtures.task(dir, yaml, Map.of("t.jsonl", "{\"q\": \"x\", \"a\": \"1\"}\n{\"q\": \"y\", \"a\": null}\n"));
        List<DocRequest> r = RequestBuilder.build(TaskConfig.load(file), EvalFixtures.readJsonl(dir.resolve("t.jsonl")), null, 0, 0);
        assertEquals(List.of("1"), r.get(0).targets());
        assertEquals("INVALID_DOCUMENT", r.get(1).errorCode());
        assertTrue(r.get(1).errorMessage().contains("column 'a' is null"), r.get(1).errorMessage());
    }

    @Test
    void requestsAndResultsTravelThroughJavaSerialization() throws Exception {
        TaskConfig task = TaskConfig.load(EvalFixtures.ARITHMETIC);
        List<DocRequest> requests = RequestBuilder.build(task, EvalFixtures.docs(task, "test"), EvalFixtures.docs(task, "train"), 3, 0);
        List<Object> values = new ArrayList<>(requests);
        values.add(ModelOutput.ofText(" 42"));
        values.add(Scorer.score(task, requests.get(0), ModelOutput.ofText(" 30")));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(values);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(values, in.readObject());
        }
    }

    @Test
    void tooFewFewshotDocumentsIsAConfigError() {
        TaskConfig task = TaskConfig.load(EvalFixtures.ARITHMETIC);
        List<Map<String, Object>> test = EvalFixtures.docs(task, "test");
        TaskConfigException e = assertThrows(TaskConfigException.class,
            () -> RequestBuilder.build(task, test, EvalFixtures.docs(task, "train").subList(0, 2), 3, 0));
        assertTrue(e.getMessage().contains("draws 3 fewshot documents, but there are only 2"), e.getMessage());
    }
}
