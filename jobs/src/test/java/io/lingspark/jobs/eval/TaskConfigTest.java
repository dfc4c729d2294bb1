package io.lingspark.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskConfigTest {
    @TempDir
    Path dir;

    private static final String DATA = "{\"q\": \"1+1?\", \"a\": \"2\"}\n";
    private static final String BASE = "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: test.jsonl\n"
        + "test_split: test\ndoc_to_text: \"{{q}}\"\ndoc_to_target: a\n";

    private TaskConfigException refused(String yaml) {
        Path file = EvalFixtures.task(dir, yaml, Map.of("test.jsonl", DATA));
        return assertThrows(TaskConfigException.class, () -> TaskConfig.load(file));
    }

    @Test
    void theExampleTasksParse() {
        TaskConfig mc = TaskConfig.load(EvalFixtures.CAPITALS);
        assertEquals("capitals", mc.name());
        assertEquals(OutputType.MULTIPLE_CHOICE, mc.outputType());
        assertEquals("json", mc.data().format());
        assertEquals(List.of(EvalFixtures.EXAMPLES.resolve("capitals/test.jsonl")), mc.data().files("test"));
        assertEquals(List.of("acc", "acc_norm"), mc.metrics().stream().map(MetricSpec::key).toList());
        assertEquals("train", mc.fewshotSourceSplit());

        TaskConfig gen = TaskConfig.load(EvalFixtures.ARITHMETIC);
        assertEquals(OutputType.GENERATE_UNTIL, gen.outputType());
        // dataset_path names a folder: splits from the file names
        assertEquals(List.of(EvalFixtures.EXAMPLES.resolve("arithmetic/data/test.jsonl")), gen.data().files("test"));
        assertEquals(List.of(EvalFixtures.EXAMPLES.resolve("arithmetic/data/train.jsonl")), gen.data().files("train"));
        assertEquals(new GenerationKwargs(List.of("\n\n", "Question:"), 32, 0.0, false), gen.generation());
        assertEquals(List.of("exact_match,strict-match", "exact_match,flexible-extract"), gen.metrics().stream().map(MetricSpec::key).toList());
        MetricSpec em = gen.metrics().get(0);
        assertTrue(em.ignoreCase());
        assertEquals(List.of(","), em.regexesToIgnore());
        assertEquals(3, gen.numFewshot());
    }

    @Test
    void lmEvalDefaultsApply() {
        TaskConfig t = TaskConfig.load(EvalFixtures.task(dir, BASE, Map.of("test.jsonl", DATA)));
        assertEquals(OutputType.GENERATE_UNTIL, t.outputType()); // lm-eval's default output_type
        assertEquals(" ", t.targetDelimiter());
        assertEquals("\n\n", t.fewshotDelimiter());
        assertEquals(new GenerationKwargs(List.of("\n\n"), 256, 0.0, false), t.generation());
        assertEquals(List.of("exact_match"), t.metrics().stream().map(MetricSpec::key).toList());
        assertEquals(1, t.filters().size());
        assertEquals("none", t.filters().get(0).name());
        assertEquals("test", t.fewshotSourceSplit()); // no train or validation split: test, as lm-eval
    }

    @Test
    void anUnsupportedKeyIsAnErrorNamingIt() {
        assertTrue(refused(BASE + "doc_to_txet: q\n").getMessage().contains("unsupported key 'doc_to_txet'"));
        assertTrue(refused(BASE + "process_docs: 1\n").getMessage().contains("'process_docs': Python code"));
        assertTrue(refused(BASE + "generation_kwargs:\n  top_p: 0.9\n").getMessage().contains("generation_kwargs.top_p"));
        assertTrue(refused(BASE + "metric_list:\n  - metric: bleu\n").getMessage().contains("metric bleu: unsupported metric"));
        assertTrue(refused(BASE + "metric_list:\n  - metric: exact_match\n    ignore_spaces: true\n").getMessage()
            .contains("unsupported option 'ignore_spaces'"));
        assertTrue(refused(BASE + "metric_list:\n  - metric: exact_match\n    aggregation: median\n").getMessage()
            .contains("aggregation 'median' is not supported"));
        assertTrue(refused(BASE + "filter_list:\n  - name: v\n    filter:\n      - function: majority_vote\n").getMessage()
            .contains("unsupported filter function 'majority_vote'"));
        assertTrue(refused(BASE + "filter_list:\n  - name: v\n    filter:\n      - function: regex\n        regex: x\n").getMessage()
            .contains("unsupported option 'regex'"));
        assertTrue(refused(BASE + "output_type: multiple_choice\n").getMessage().contains("needs doc_to_choice"));
        assertTrue(refused(BASE + "metric_list:\n  - metric: acc\n").getMessage().contains("not computed for output_type generate_until"));
        assertTrue(refused(BASE.replace("test_split: test", "test_split: testing")).getMessage().contains("no split 'testing'"));
        assertTrue(refused(BASE + "description: \"{% if %}\"\n").getMessage().contains("description is not a valid Jinja template"));
        assertTrue(refused(BASE + "repeats: 5\n").getMessage().contains("repeats: 5"));
        assertTrue(refused(BASE.replace("doc_to_target: a\n", "")).getMessage().contains("doc_to_target is required"));
        assertTrue(refused(BASE.replace("doc_to_text: \"{{q}}\"\n", "")).getMessage().contains("doc_to_text is required"));
    }

    @Test
    void aFilterListMayBeAMappingOfPipelines() {
        String yaml = BASE + "filter_list:\n  strict:\n    name: strict\n    filter:\n      - function: regex\n"
            + "        regex_pattern: \"(\\\\d+)\"\n      - function: take_first\n";
        TaskConfig t = TaskConfig.load(EvalFixtures.task(dir, yaml, Map.of("test.jsonl", DATA)));
        assertEquals(List.of("exact_match,strict"), t.metrics().stream().map(MetricSpec::key).toList());
        assertEquals("42", t.filters().get(0).apply("it is 42."));
    }

    @Test
    void pythonFunctionsAreNamedNotRun() {
        TaskConfigException e = refused(BASE.replace("doc_to_target: a", "doc_to_target: !function utils.target"));
        assertTrue(e.getMessage().contains("doc_to_target: !function utils.target is Python code"), e.getMessage());
    }

    @Test
    void aHubDatasetSaysToDownloadItFirst() {
        TaskConfigException e = refused("task: mmlu\ndataset_path: cais/mmlu\ndataset_name: all\ntest_split: test\n");
        assertTrue(e.getMessage().contains("Hugging Face Hub dataset"), e.getMessage());
        assertTrue(e.getMessage().contains("huggingface-cli download cais/mmlu --repo-type dataset"), e.getMessage());
    }

    @Test
    void dataFilesResolveAgainstTheTaskFolder() {
        Path file = EvalFixtures.task(dir, BASE.replace("test: test.jsonl", "test: sub/*.jsonl"),
            Map.of("sub/b.jsonl", DATA, "sub/a.jsonl", DATA));
        assertEquals(List.of(dir.resolve("sub/a.jsonl"), dir.resolve("sub/b.jsonl")), TaskConfig.load(file).data().files("test"));
        TaskConfigException missing = refused(BASE.replace("test.jsonl\n", "nothere.jsonl\n"));
        assertTrue(missing.getMessage().contains("data file not found: " + dir.resolve("nothere.jsonl")), missing.getMessage());
    }

    @Test
    void aFileOrAListWithoutSplitsIsTrain() {
        String yaml = "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files: [x.jsonl]\ntest_split: train\ndoc_to_text: q\ndoc_to_target: a\n";
        TaskConfig t = TaskConfig.load(EvalFixtures.task(dir, yaml, Map.of("x.jsonl", DATA)));
        assertEquals(List.of(dir.resolve("x.jsonl")), t.data().files("train"));
        String direct = "task: t\ndataset_path: x.jsonl\ntest_split: train\ndoc_to_text: q\ndoc_to_target: a\n";
        assertEquals("json", TaskConfig.load(EvalFixtures.task(dir, direct, Map.of("x.jsonl", DATA))).data().format());
    }

    @Test
    void aFolderIsSplitByFileNamesAsDatasetsDoes() {
        assertEquals("validation", DataLocator.splitOf(Path.of("dev.jsonl")));
        assertEquals("test", DataLocator.splitOf(Path.of("all/test-00000-of-00001.parquet")));
        assertEquals("train", DataLocator.splitOf(Path.of("train/part-1.json")));
        assertEquals("validation", DataLocator.splitOf(Path.of("my_validation.csv")));
        assertNull(DataLocator.splitOf(Path.of("contest.jsonl"))); // a word inside another word is not a split
        String yaml = "task: t\ndataset_path: d\ndataset_name: sub\nvalidation_split: validation\ndoc_to_text: q\ndoc_to_target: a\n";
        TaskConfig t = TaskConfig.load(EvalFixtures.task(dir, yaml, Map.of("d/sub/dev.jsonl", DATA, "d/sub/train.jsonl", DATA)));
        assertEquals(List.of(dir.resolve("d/sub/dev.jsonl")), t.data().files("validation"));
        assertEquals("validation", t.evalSplit());
        // lm-eval draws fewshot examples from training_split only when the task names it
        assertEquals("validation", t.fewshotSourceSplit());
    }

    @Test
    void includeIsReadFirstAndOverridden() {
        EvalFixtures.task(dir, BASE + "num_fewshot: 2\ndescription: base\n", Map.of("test.jsonl", DATA));
        java.nio.file.Path child = dir.resolve("child.yaml");
        try {
            java.nio.file.Files.writeString(child, "include: task.yaml\ntask: child\nnum_fewshot: 4\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        TaskConfig t = TaskConfig.load(child);
        assertEquals("child", t.name());
        assertEquals(4, t.numFewshot());
        assertEquals("base", t.description());
    }
}
