package io.lingspark.jobs.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One task file in lm-evaluation-harness's YAML format, checked and resolved: every key LingSpark
 * does not implement is an error naming it ({@link TaskConfigException}), never silently ignored.
 *
 * <p>docToText / docToTarget / docToChoice hold what the YAML holds: a String (a column name when
 * the documents have that column, else a Jinja template), an Integer, or (target, choice) a List;
 * {@link DocFields} evaluates them per document as lm-eval does.
 *
 * @param fewshotSamples fewshot_config.samples: inline fewshot documents, or null
 * @param sampler fewshot_config.sampler: "default" (random sample) or "first_n"
 */
public record TaskConfig(Path file, String name, OutputType outputType, DataSpec data,
                         String trainingSplit, String validationSplit, String testSplit, String fewshotSplit,
                         Object docToText, Object docToTarget, Object docToChoice,
                         String description, String targetDelimiter, String fewshotDelimiter,
                         int numFewshot, String sampler, List<Map<String, Object>> fewshotSamples,
                         GenerationKwargs generation, List<FilterSpec> filters) implements java.io.Serializable {
    private static final long serialVersionUID = 1L;


    /** Reads, resolves (include, data files) and checks a task file. */
    public static TaskConfig load(Path file) {
        return TaskConfigParser.parse(file, TaskYaml.load(file));
    }

    /** The split the task is scored on: test_split, else validation_split (lm-eval's eval_docs). */
    public String evalSplit() {
        return testSplit != null ? testSplit : validationSplit;
    }

    /**
     * Where fewshot examples come from, as lm-eval's fewshot_docs: fewshot_split, else training_split,
     * else validation_split, else test_split; null when fewshot_config.samples gives them inline.
     */
    public String fewshotSourceSplit() {
        if (fewshotSamples != null && fewshotSplit == null) {
            return null;
        }
        return fewshotSplit != null ? fewshotSplit : trainingSplit != null ? trainingSplit
            : validationSplit != null ? validationSplit : testSplit;
    }

    /** Every metric of every filter pipeline, in order. */
    public List<MetricSpec> metrics() {
        return filters.stream().flatMap(f -> f.metrics().stream()).toList();
    }
}
