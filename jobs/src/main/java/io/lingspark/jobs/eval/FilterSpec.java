package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One named filter pipeline of a task's filter_list (lm-eval's FilterEnsemble) and the metrics
 * scored on its output. Without filter_list a task has one pipeline, "none" = take_first. The steps
 * LingSpark runs, with lm-eval's semantics (lm_eval/filters): {@code regex} (regex_pattern, default
 * {@code #### (\-?[0-9\.\,]+)}; group_select, default 0, negative counts from the end; fallback,
 * default "[invalid]"), {@code take_first}, {@code remove_whitespace} (leading whitespace),
 * {@code lowercase}, {@code uppercase}.
 */
public record FilterSpec(String name, List<Step> steps, List<MetricSpec> metrics) implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public FilterSpec {
        steps = List.copyOf(steps);
        metrics = List.copyOf(metrics);
    }

    /** One filter function; pattern, groupSelect and fallback are regex's. */
    public record Step(String function, Pattern pattern, int groupSelect, String fallback) implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        String apply(String response) {
            return switch (function) {
                case "regex" -> regex(response);
                case "take_first" -> response; // one response per document (repeats: 1)
                case "remove_whitespace" -> PyRegex.lstrip(response);
                case "lowercase" -> response.toLowerCase(Locale.ROOT);
                case "uppercase" -> response.toUpperCase(Locale.ROOT);
                default -> throw new IllegalStateException(function);
            };
        }

        /** RegexFilter.apply: findall, pick group_select, a tuple's first non-empty group, strip; else fallback. */
        private String regex(String response) {
            List<Object> matches = PyRegex.findall(pattern, response);
            int i = groupSelect < 0 ? matches.size() + groupSelect : groupSelect;
            if (matches.isEmpty() || i < 0 || i >= matches.size()) {
                return fallback;
            }
            Object match = matches.get(i);
            if (match instanceof List<?> tuple) {
                match = tuple.stream().map(String.class::cast).filter(s -> !s.isEmpty()).findFirst().orElse(null);
                if (match == null) {
                    return fallback;
                }
            }
            return PyRegex.strip((String) match);
        }
    }

    /** The response after every step, in order. */
    public String apply(String response) {
        String r = response;
        for (Step s : steps) {
            r = s.apply(r);
        }
        return r;
    }

    static List<FilterSpec> parse(String where, Object filterList, Object metricList, OutputType type) {
        if (filterList == null) {
            Step takeFirst = new Step("take_first", null, 0, null);
            return List.of(new FilterSpec("none", List.of(takeFirst), MetricSpec.parse(where, metricList, type, "none")));
        }
        // lm-eval also takes a mapping whose values are the pipelines
        Object list = filterList instanceof Map<?, ?> byName ? new ArrayList<Object>(byName.values()) : filterList;
        if (!(list instanceof List<?> pipelines) || pipelines.isEmpty()) {
            throw new TaskConfigException(where + "filter_list must be a non-empty list of {name, filter: [...]}");
        }
        List<FilterSpec> out = new ArrayList<>();
        for (Object p : pipelines) {
            if (!(p instanceof Map<?, ?> m) || !(m.get("name") instanceof String name) || !(m.get("filter") instanceof List<?> steps)) {
                throw new TaskConfigException(where + "filter_list entries are {name: NAME, filter: [{function: ...}, ...]}; got " + p);
            }
            for (Object key : m.keySet()) {
                if (!List.of("name", "filter", "metric_list").contains(String.valueOf(key))) {
                    throw new TaskConfigException(where + "filter " + name + ": unsupported key '" + key + "'");
                }
            }
            String at = where + "filter " + name + ": ";
            List<Step> parsed = new ArrayList<>();
            for (Object s : steps) {
                parsed.add(step(at, s, type));
            }
            Object metrics = m.containsKey("metric_list") ? m.get("metric_list") : metricList;
            out.add(new FilterSpec(name, parsed, MetricSpec.parse(at, metrics, type, name)));
        }
        return out;
    }

    private static Step step(String where, Object s, OutputType type) {
        if (!(s instanceof Map<?, ?> m) || !(m.get("function") instanceof String fn)) {
            throw new TaskConfigException(where + "filter steps are {function: NAME, ...}; got " + s);
        }
        if (!fn.equals("take_first") && type != OutputType.GENERATE_UNTIL) {
            throw new TaskConfigException(where + "function " + fn + " filters generated text; output_type "
                + type.yamlName() + " takes only take_first");
        }
        List<String> allowed = switch (fn) {
            case "regex" -> List.of("function", "regex_pattern", "group_select", "fallback");
            case "take_first", "remove_whitespace", "lowercase", "uppercase" -> List.of("function");
            default -> throw new TaskConfigException(where + "unsupported filter function '" + fn
                + "' (LingSpark runs regex, take_first, remove_whitespace, lowercase, uppercase)");
        };
        for (Object key : m.keySet()) {
            if (!allowed.contains(String.valueOf(key))) {
                throw new TaskConfigException(where + "function " + fn + ": unsupported option '" + key + "'");
            }
        }
        if (!fn.equals("regex")) {
            return new Step(fn, null, 0, null);
        }
        Object pattern = m.containsKey("regex_pattern") ? m.get("regex_pattern") : "#### (\\-?[0-9\\.\\,]+)";
        Object group = m.containsKey("group_select") ? m.get("group_select") : 0;
        Object fallback = m.containsKey("fallback") ? m.get("fallback") : "[invalid]";
        if (!(pattern instanceof String ps) || !(group instanceof Integer g) || !(fallback instanceof String fb)) {
            throw new TaskConfigException(where + "regex takes regex_pattern (string), group_select (integer), fallback (string); got " + m);
        }
        return new Step(fn, PyRegex.compile(where, ps), g, fb);
    }
}
