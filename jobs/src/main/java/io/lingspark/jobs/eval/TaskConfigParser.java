package io.lingspark.jobs.eval;

import io.lingspark.engine.chat.JinjaText;
import io.lingspark.engine.chat.TemplateException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks a task file's keys and values (lm_eval/config/task.py TaskConfig, with its defaults). */
final class TaskConfigParser {
    /** Keys read. */
    private static final Set<String> KEYS = Set.of("task", "dataset_path", "dataset_name", "dataset_kwargs",
        "training_split", "validation_split", "test_split", "fewshot_split", "doc_to_text", "doc_to_target",
        "doc_to_choice", "description", "target_delimiter", "fewshot_delimiter", "fewshot_config", "num_fewshot",
        "generation_kwargs", "metric_list", "output_type", "repeats", "filter_list", "should_decontaminate");
    /** Keys accepted and not needed to score (names, tags, versions, decontamination queries). */
    private static final Set<String> IGNORED = Set.of("task_alias", "tag", "group", "metadata", "doc_to_decontamination_query");
    /** Keys that are Python code or features LingSpark does not have, with what to do instead. */
    private static final Map<String, String> REFUSED = Map.of(
        "process_docs", "Python code; prepare the documents' columns in the data file instead",
        "process_results", "Python code; use metric_list with the built-in metrics",
        "custom_dataset", "Python code; point dataset_path at local files",
        "use_prompt", "promptsource prompts; write doc_to_text / doc_to_target as Jinja templates",
        "doc_to_image", "multimodal tasks are not supported",
        "doc_to_audio", "multimodal tasks are not supported",
        "gen_prefix", "not supported",
        "unsafe_code", "tasks that execute generated code are not supported",
        "class", "Python task classes are not supported");

    private TaskConfigParser() {
    }

    static TaskConfig parse(Path file, Map<String, Object> y) {
        String where = file + ": ";
        for (Map.Entry<String, Object> e : y.entrySet()) {
            String key = e.getKey();
            if (e.getValue() instanceof TaskYaml.PythonFunction f) {
                throw new TaskConfigException(where + key + ": !function " + f.name() + " is Python code, which LingSpark "
                    + "cannot run; write it as a Jinja template or a column name");
            }
            if (REFUSED.containsKey(key) && !(key.equals("unsafe_code") && Boolean.FALSE.equals(e.getValue()))) {
                throw new TaskConfigException(where + "unsupported key '" + key + "': " + REFUSED.get(key));
            }
            if (!KEYS.contains(key) && !IGNORED.contains(key) && !REFUSED.containsKey(key)) {
                throw new TaskConfigException(where + "unsupported key '" + key + "' (LingSpark reads " + new java.util.TreeSet<>(KEYS) + ")");
            }
        }
        String name = str(where, y, "task", null);
        if (name == null) {
            throw new TaskConfigException(where + "task (the task's name) is required");
        }
        OutputType type = OutputType.of(str(where, y, "output_type", "generate_until"));
        if (y.containsKey("repeats") && !Integer.valueOf(1).equals(y.get("repeats"))) {
            throw new TaskConfigException(where + "repeats: " + y.get("repeats") + " is not supported (one response per document)");
        }
        if (Boolean.TRUE.equals(y.get("should_decontaminate"))) {
            throw new TaskConfigException(where + "should_decontaminate: true is not supported");
        }
        Map<String, Object> kwargs = map(where, y, "dataset_kwargs");
        for (String k : kwargs.keySet()) {
            if (!k.equals("data_files")) {
                throw new TaskConfigException(where + "dataset_kwargs." + k + " is not supported (LingSpark reads data_files)");
            }
        }
        DataSpec data = DataLocator.locate(file, str(where, y, "dataset_path", null), str(where, y, "dataset_name", null), kwargs);
        String test = str(where, y, "test_split", null);
        String validation = str(where, y, "validation_split", null);
        if (test == null && validation == null) {
            throw new TaskConfigException(where + "test_split or validation_split is required (the split to score)");
        }
        try {
            data.files(test != null ? test : validation);
        } catch (TaskConfigException e) {
            throw new TaskConfigException(where + e.getMessage(), e);
        }
        String fewshotDelimiter = str(where, y, "fewshot_delimiter", "\n\n");
        Map<String, Object> fewshot = map(where, y, "fewshot_config");
        String sampler = "default";
        List<Map<String, Object>> samples = null;
        int numFewshot = y.get("num_fewshot") == null ? 0 : nonNegative(where, "num_fewshot", y.get("num_fewshot"));
        for (Map.Entry<String, Object> e : fewshot.entrySet()) {
            switch (e.getKey()) {
                case "sampler" -> {
                    if (!"default".equals(e.getValue()) && !"first_n".equals(e.getValue())) {
                        throw new TaskConfigException(where + "fewshot_config.sampler '" + e.getValue() + "' is not supported (default, first_n)");
                    }
                    sampler = (String) e.getValue();
                }
                case "samples" -> samples = samples(where, e.getValue());
                case "num_fewshot" -> {
                    if (numFewshot == 0) {
                        numFewshot = nonNegative(where, "fewshot_config.num_fewshot", e.getValue());
                    }
                }
                default -> throw new TaskConfigException(where + "fewshot_config." + e.getKey() + " is not supported (sampler, samples, num_fewshot)");
            }
        }
        GenerationKwargs generation = generation(where, y, type, fewshotDelimiter);
        List<FilterSpec> filters = FilterSpec.parse(where, y.get("filter_list"), y.get("metric_list"), type);
        Object docToChoice = y.get("doc_to_choice");
        if (docToChoice instanceof Map<?, ?> m) {
            docToChoice = new ArrayList<Object>(m.values());
        }
        if (type == OutputType.MULTIPLE_CHOICE && docToChoice == null) {
            throw new TaskConfigException(where + "output_type multiple_choice needs doc_to_choice");
        }
        if (y.get("doc_to_target") == null) {
            throw new TaskConfigException(where + "doc_to_target is required (a column name or a Jinja template)");
        }
        if (y.get("doc_to_text") == null && type != OutputType.LOGLIKELIHOOD_ROLLING) {
            throw new TaskConfigException(where + "doc_to_text is required for output_type " + type.yamlName());
        }
        for (String key : List.of("doc_to_text", "doc_to_target", "doc_to_choice", "description")) {
            if (y.get(key) instanceof String template) {
                try {
                    JinjaText.parse(template);
                } catch (TemplateException e) {
                    throw new TaskConfigException(where + key + " is not a valid Jinja template: " + e.getMessage(), e);
                }
            }
        }
        return new TaskConfig(file.toAbsolutePath().normalize(), name, type, data, str(where, y, "training_split", null),
            validation, test, str(where, y, "fewshot_split", null), field(where, y, "doc_to_text"), field(where, y, "doc_to_target"),
            docToChoice, str(where, y, "description", ""), str(where, y, "target_delimiter", " "), fewshotDelimiter,
            numFewshot, sampler, samples, generation, filters);
    }

    private static GenerationKwargs generation(String where, Map<String, Object> y, OutputType type, String fewshotDelimiter) {
        Map<String, Object> g = map(where, y, "generation_kwargs");
        if (!y.containsKey("generation_kwargs") && type != OutputType.GENERATE_UNTIL) {
            return null;
        }
        List<String> until = new ArrayList<>();
        int maxGenToks = GenerationKwargs.DEFAULT_MAX_GEN_TOKS;
        double temperature = 0.0;
        boolean doSample = false;
        if (!g.containsKey("until")) {
            until.add(fewshotDelimiter); // lm-eval's default when until is not given
        }
        for (Map.Entry<String, Object> e : g.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "until" -> {
                    for (Object s : v instanceof List<?> l ? l : List.of(v)) {
                        if (!(s instanceof String str)) {
                            throw new TaskConfigException(where + "generation_kwargs.until must be a string or a list of strings");
                        }
                        until.add(str);
                    }
                }
                case "max_gen_toks" -> maxGenToks = Math.max(1, nonNegative(where, "generation_kwargs.max_gen_toks", v));
                case "temperature" -> {
                    if (!(v instanceof Number n) || n.doubleValue() < 0) {
                        throw new TaskConfigException(where + "generation_kwargs.temperature must be a number >= 0, got " + v);
                    }
                    temperature = n.doubleValue();
                }
                case "do_sample" -> doSample = MetricSpec.bool(where, "generation_kwargs.do_sample", v);
                default -> throw new TaskConfigException(where + "generation_kwargs." + e.getKey()
                    + " is not supported (until, max_gen_toks, temperature, do_sample)");
            }
        }
        if (doSample && temperature == 0.0) {
            throw new TaskConfigException(where + "generation_kwargs: do_sample: true needs a temperature > 0");
        }
        return new GenerationKwargs(until, maxGenToks, temperature, doSample);
    }

    private static List<Map<String, Object>> samples(String where, Object v) {
        if (!(v instanceof List<?> l)) {
            throw new TaskConfigException(where + "fewshot_config.samples must be a list of documents (mappings)");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object d : l) {
            if (!(d instanceof Map<?, ?> m)) {
                throw new TaskConfigException(where + "fewshot_config.samples must be a list of documents (mappings)");
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            m.forEach((k, x) -> doc.put(String.valueOf(k), x));
            out.add(doc);
        }
        return out;
    }

    /** doc_to_text / doc_to_target: a string (column or template), an int, or (target) a list. */
    private static Object field(String where, Map<String, Object> y, String key) {
        Object v = y.get(key);
        if (v == null || v instanceof String || v instanceof Integer || (v instanceof List<?> && key.equals("doc_to_target"))) {
            return v;
        }
        throw new TaskConfigException(where + key + " must be a column name, a Jinja template or an integer, got " + v);
    }

    private static String str(String where, Map<String, Object> y, String key, String dflt) {
        Object v = y.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new TaskConfigException(where + key + " must be a string, got " + v);
    }

    private static Map<String, Object> map(String where, Map<String, Object> y, String key) {
        Object v = y.get(key);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new TaskConfigException(where + key + " must be a mapping, got " + v);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, x) -> {
            if (x instanceof TaskYaml.PythonFunction f) {
                throw new TaskConfigException(where + key + "." + k + ": !function " + f.name() + " is Python code, which LingSpark cannot run");
            }
            out.put(String.valueOf(k), x);
        });
        return out;
    }

    private static int nonNegative(String where, String key, Object v) {
        if (v instanceof Integer i && i >= 0) {
            return i;
        }
        throw new TaskConfigException(where + key + " must be an integer >= 0, got " + v);
    }
}
