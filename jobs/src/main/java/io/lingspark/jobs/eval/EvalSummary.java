package io.lingspark.jobs.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * summary.json, shaped like lm-eval's results file: {@code results} = {task: {metric: {"value",
 * "stderr"}}} (stderr null where lm-eval writes N/A), {@code higher_is_better} = {task: {metric:
 * bool}}, {@code samples} = {task: {documents, scored, errors}}, {@code calibration} for multiple
 * choice, then {@code groups} and {@code compare} when asked, and the caller's {@code model},
 * {@code revision} and {@code settings}. NaN values are written as null.
 */
public final class EvalSummary {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvalSummary() {
    }

    public static String toJson(EvalRun run) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode results = root.putObject("results");
        ObjectNode higher = root.putObject("higher_is_better");
        ObjectNode samples = root.putObject("samples");
        ObjectNode calibration = root.putObject("calibration");
        for (TaskSummary t : run.tasks()) {
            results.set(t.task(), metrics(t));
            ObjectNode h = higher.putObject(t.task());
            t.metrics().forEach((k, m) -> h.put(k, m.higherIsBetter()));
            ObjectNode s = samples.putObject(t.task());
            s.put("documents", t.documents());
            s.put("scored", t.documents() - t.errors());
            s.put("errors", t.errors());
            if (t.calibration() != null) {
                calibration.set(t.task(), calibration(t.calibration()));
            }
        }
        if (run.groupBy() != null) {
            ObjectNode groups = root.putObject("groups");
            groups.put("column", run.groupBy());
            ObjectNode byTask = groups.putObject("results");
            run.groups().forEach((task, byValue) -> {
                ObjectNode values = byTask.putObject(task);
                byValue.forEach((value, summary) -> {
                    ObjectNode g = metrics(summary);
                    g.put("documents", summary.documents());
                    values.set(value, g);
                });
            });
        }
        if (run.earlier() != null) {
            ObjectNode compare = root.putObject("compare");
            compare.put("earlier", run.earlier());
            ObjectNode byTask = compare.putObject("results");
            for (Comparison.TaskComparison c : run.comparisons()) {
                byTask.set(c.task(), comparison(c));
            }
        }
        root.put("model", run.model());
        root.put("revision", run.revision());
        root.set("settings", JSON.valueToTree(run.settings()));
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode metrics(TaskSummary t) {
        ObjectNode out = JSON.createObjectNode();
        t.metrics().forEach((k, m) -> {
            ObjectNode v = out.putObject(k);
            number(v, "value", m.value());
            number(v, "stderr", m.stderr());
        });
        return out;
    }

    private static ObjectNode calibration(Calibration c) {
        ObjectNode out = JSON.createObjectNode();
        number(out, "ece", c.ece());
        ArrayNode bins = out.putArray("bins");
        for (Calibration.Bin b : c.bins()) {
            ObjectNode o = bins.addObject();
            o.put("lower", b.lower());
            o.put("upper", b.upper());
            o.put("count", b.count());
            number(o, "mean_confidence", b.meanConfidence());
            number(o, "accuracy", b.accuracy());
        }
        return out;
    }

    private static ObjectNode comparison(Comparison.TaskComparison c) {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode metrics = out.putObject("metrics");
        for (Comparison.MetricDiff d : c.metrics()) {
            ObjectNode o = metrics.putObject(d.metric());
            number(o, "current", d.current());
            number(o, "earlier", d.earlier());
            number(o, "difference", d.difference());
            ArrayNode ci = o.putArray("ci95");
            ci.add(Double.isNaN(d.ciLow()) ? null : JSON.getNodeFactory().numberNode(d.ciLow()));
            ci.add(Double.isNaN(d.ciHigh()) ? null : JSON.getNodeFactory().numberNode(d.ciHigh()));
            o.put("matched", d.matched());
        }
        ObjectNode flips = out.putObject("flips");
        c.flips().forEach((k, f) -> {
            ObjectNode o = flips.putObject(k);
            o.set("became_correct", JSON.valueToTree(f.becameCorrect()));
            o.set("became_incorrect", JSON.valueToTree(f.becameIncorrect()));
        });
        out.put("only_current", c.onlyCurrent());
        out.put("only_earlier", c.onlyEarlier());
        return out;
    }

    private static void number(ObjectNode o, String key, Double v) {
        if (v == null || v.isNaN() || v.isInfinite()) {
            o.putNull(key);
        } else {
            o.put(key, v);
        }
    }
}
