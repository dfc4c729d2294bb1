package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One entry of a task's metric_list: lm-eval's metric, its aggregation and higher_is_better, and
 * for exact_match its options. {@code key} is the name in results: the metric's name under the
 * default filter, {@code metric,filter} under a named filter (lm-eval writes {@code metric,none} too).
 */
public record MetricSpec(String name, String key, Aggregation aggregation, boolean higherIsBetter,
                         boolean ignoreCase, boolean ignorePunctuation, boolean ignoreNumbers,
                         List<String> regexesToIgnore) implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public MetricSpec {
        regexesToIgnore = List.copyOf(regexesToIgnore);
    }

    /** What lm-eval registers for each metric LingSpark computes. */
    private record Known(Set<OutputType> types, Aggregation aggregation, boolean higherIsBetter) {
    }

    private static final Map<String, Known> KNOWN = known();
    private static final Set<String> EXACT_MATCH_OPTIONS = Set.of("ignore_case", "ignore_punctuation", "ignore_numbers", "regexes_to_ignore");

    private static Map<String, Known> known() {
        Map<String, Known> m = new LinkedHashMap<>();
        m.put("acc", new Known(EnumSet.of(OutputType.MULTIPLE_CHOICE, OutputType.LOGLIKELIHOOD), Aggregation.MEAN, true));
        m.put("acc_norm", new Known(EnumSet.of(OutputType.MULTIPLE_CHOICE), Aggregation.MEAN, true));
        m.put("exact_match", new Known(EnumSet.of(OutputType.MULTIPLE_CHOICE, OutputType.GENERATE_UNTIL), Aggregation.MEAN, true));
        m.put("perplexity", new Known(EnumSet.of(OutputType.LOGLIKELIHOOD), Aggregation.PERPLEXITY, false));
        m.put("word_perplexity", new Known(EnumSet.of(OutputType.LOGLIKELIHOOD_ROLLING), Aggregation.WEIGHTED_PERPLEXITY, false));
        m.put("byte_perplexity", new Known(EnumSet.of(OutputType.LOGLIKELIHOOD_ROLLING), Aggregation.WEIGHTED_PERPLEXITY, false));
        m.put("bits_per_byte", new Known(EnumSet.of(OutputType.LOGLIKELIHOOD_ROLLING), Aggregation.BITS_PER_BYTE, false));
        return m;
    }

    /** lm-eval's DEFAULT_METRIC_REGISTRY: the metrics of a task without metric_list. */
    static List<String> defaults(OutputType type) {
        return switch (type) {
            case MULTIPLE_CHOICE -> List.of("acc", "acc_norm");
            case LOGLIKELIHOOD -> List.of("perplexity", "acc");
            case LOGLIKELIHOOD_ROLLING -> List.of("word_perplexity", "byte_perplexity", "bits_per_byte");
            case GENERATE_UNTIL -> List.of("exact_match");
        };
    }

    /** Parses a metric_list (null: the output type's defaults) for the filter named filterName. */
    static List<MetricSpec> parse(String where, Object metricList, OutputType type, String filterName) {
        List<Object> entries = new ArrayList<>();
        if (metricList == null) {
            defaults(type).forEach(n -> entries.add(Map.of("metric", n)));
        } else if (metricList instanceof List<?> l) {
            entries.addAll(l);
        } else {
            throw new TaskConfigException(where + "metric_list must be a list of {metric: NAME, ...}");
        }
        List<MetricSpec> out = new ArrayList<>();
        for (Object e : entries) {
            if (!(e instanceof Map<?, ?> m) || !(m.get("metric") instanceof String name)) {
                throw new TaskConfigException(where + "metric_list entries are {metric: NAME, ...}; got " + e
                    + (e instanceof Map<?, ?> m2 && m2.get("metric") instanceof TaskYaml.PythonFunction ? " (!function metrics are Python code)" : ""));
            }
            out.add(one(where + "metric " + name + ": ", name, m, type, filterName));
        }
        return out;
    }

    private static MetricSpec one(String where, String name, Map<?, ?> m, OutputType type, String filterName) {
        Known k = KNOWN.get(name);
        if (k == null) {
            throw new TaskConfigException(where + "unsupported metric (LingSpark computes " + KNOWN.keySet() + ")");
        }
        if (!k.types.contains(type)) {
            throw new TaskConfigException(where + "not computed for output_type " + type.yamlName());
        }
        boolean higher = k.higherIsBetter;
        boolean ignoreCase = false;
        boolean ignorePunctuation = false;
        boolean ignoreNumbers = false;
        List<String> ignoreRegexes = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            switch (key) {
                case "metric" -> { }
                case "aggregation" -> {
                    if (!k.aggregation.yamlName().equals(v)) {
                        throw new TaskConfigException(where + "aggregation '" + v + "' is not supported; this metric aggregates with '"
                            + k.aggregation.yamlName() + "' (lm-eval's default)");
                    }
                }
                case "higher_is_better" -> higher = bool(where, key, v);
                case "hf_evaluate" -> {
                    if (bool(where, key, v)) {
                        throw new TaskConfigException(where + "hf_evaluate: true (Hugging Face evaluate metrics) is not supported");
                    }
                }
                default -> {
                    if (!name.equals("exact_match") || !EXACT_MATCH_OPTIONS.contains(key) || type != OutputType.GENERATE_UNTIL) {
                        throw new TaskConfigException(where + "unsupported option '" + key + "'"
                            + (name.equals("exact_match") && type == OutputType.GENERATE_UNTIL ? " (exact_match takes " + EXACT_MATCH_OPTIONS + ")" : ""));
                    }
                    switch (key) {
                        case "ignore_case" -> ignoreCase = bool(where, key, v);
                        case "ignore_punctuation" -> ignorePunctuation = bool(where, key, v);
                        case "ignore_numbers" -> ignoreNumbers = bool(where, key, v);
                        default -> {
                            for (Object r : v instanceof List<?> l ? l : List.of(v)) {
                                if (!(r instanceof String rs)) {
                                    throw new TaskConfigException(where + "regexes_to_ignore must be regexes (strings)");
                                }
                                PyRegex.compile(where + "regexes_to_ignore: ", rs);
                                ignoreRegexes.add(rs);
                            }
                        }
                    }
                }
            }
        }
        String key = filterName.equals("none") ? name : name + "," + filterName;
        return new MetricSpec(name, key, k.aggregation, higher, ignoreCase, ignorePunctuation, ignoreNumbers, ignoreRegexes);
    }

    static boolean bool(String where, String key, Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        throw new TaskConfigException(where + key + " must be true or false, got " + v);
    }
}
