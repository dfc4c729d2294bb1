package io.lingspark.jobs.report;

import io.lingspark.jobs.eval.Calibration;
import io.lingspark.jobs.eval.Comparison;
import io.lingspark.jobs.eval.EvalRun;
import io.lingspark.jobs.eval.MetricSummary;
import io.lingspark.jobs.eval.OutputType;
import io.lingspark.jobs.eval.TaskSummary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An eval run as one self-contained HTML file (charts embedded as base64 PNG, styles inline, no
 * scripts, nothing fetched): the summary table, each task's metrics as bars with ±1 stderr, the
 * reliability diagram of each multiple-choice task, the per-group tables of --group-by, and the
 * differences against an earlier run with their 95 % intervals and flipped documents.
 */
public final class HtmlReport {
    private static final int FLIPS_SHOWN = 12;
    private static final String CSS = "body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1a202c;"
        + "max-width:1180px;margin:24px auto;padding:0 24px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;"
        + "border-bottom:1px solid #e2e8f0;padding-bottom:4px}h3{font-size:14px;margin:16px 0 6px}.meta{color:#4a5568;margin:0 0 2px}"
        + "table{border-collapse:collapse;margin:6px 0 10px}th,td{padding:4px 10px;border-bottom:1px solid #edf2f7;text-align:left}"
        + "th{background:#f7fafc;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}th,td.key{white-space:nowrap}.up{color:#2f855a}"
        + ".down{color:#c53030}.muted{color:#718096}.charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}"
        + "img{border:1px solid #edf2f7}code{background:#f7fafc;padding:0 3px}";

    private HtmlReport() {
    }

    public static void write(EvalRun run, Path file) throws IOException {
        Files.writeString(file, render(run), StandardCharsets.UTF_8);
    }

    public static String render(EvalRun run) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>LingSpark eval: ")
            .append(esc(run.model())).append("</title><style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>Evaluation of ").append(esc(run.model())).append("</h1>\n");
        if (run.revision() != null) {
            h.append("<p class=\"meta\">revision <code>").append(esc(run.revision())).append("</code></p>\n");
        }
        if (!run.settings().isEmpty()) {
            h.append("<p class=\"meta\">");
            run.settings().forEach((k, v) -> h.append(esc(k)).append(" <code>").append(esc(String.valueOf(v))).append("</code> &nbsp; "));
            h.append("</p>\n");
        }
        summary(h, run.tasks());
        h.append("<h2>Metrics</h2>\n<p class=\"muted\">Bars: each metric's value; whiskers: ±1 standard error (lm-eval's).</p>\n<div class=\"charts\">");
        for (TaskSummary t : run.tasks()) {
            Map<String, MetricSummary> bounded = new LinkedHashMap<>();
            Map<String, MetricSummary> other = new LinkedHashMap<>();
            t.metrics().forEach((k, m) -> (Charts.unitInterval(m.aggregation()) ? bounded : other).put(k, m));
            if (!bounded.isEmpty()) {
                img(h, Charts.metricBars(t.task(), bounded, true), t.task() + " metrics");
            }
            if (!other.isEmpty()) {
                img(h, Charts.metricBars(t.task() + (bounded.isEmpty() ? "" : " (perplexities)"), other, false), t.task() + " perplexities");
            }
        }
        h.append("</div>\n");
        calibration(h, run.tasks());
        if (run.groupBy() != null) {
            groups(h, run);
        }
        if (run.earlier() != null) {
            comparisons(h, run);
        }
        h.append("<p class=\"muted\">Written by LingSpark eval.</p>\n</body></html>\n");
        return h.toString();
    }

    private static void summary(StringBuilder h, List<TaskSummary> tasks) {
        h.append("<h2>Summary</h2>\n<table><tr><th>task</th><th>metric</th><th></th><th>value</th><th>stderr</th>"
            + "<th>documents</th><th>errors</th></tr>\n");
        for (TaskSummary t : tasks) {
            boolean first = true;
            for (Map.Entry<String, MetricSummary> e : t.metrics().entrySet()) {
                MetricSummary m = e.getValue();
                h.append("<tr><td>").append(first ? esc(t.task()) : "").append("</td><td class=\"key\">").append(esc(e.getKey()))
                    .append("</td><td class=\"muted\" title=\"").append(m.higherIsBetter() ? "higher is better" : "lower is better")
                    .append("\">").append(m.higherIsBetter() ? "&uarr;" : "&darr;").append("</td><td class=\"num\">").append(num(m.value()))
                    .append("</td><td class=\"num\">").append(m.stderr() == null ? "N/A" : "&plusmn; " + num(m.stderr()))
                    .append("</td><td class=\"num\">").append(first ? String.valueOf(t.documents()) : "")
                    .append("</td><td class=\"num\">").append(first ? String.valueOf(t.errors()) : "").append("</td></tr>\n");
                first = false;
            }
        }
        h.append("</table>\n");
    }

    private static void calibration(StringBuilder h, List<TaskSummary> tasks) {
        List<TaskSummary> mc = tasks.stream().filter(t -> t.outputType() == OutputType.MULTIPLE_CHOICE && t.calibration() != null).toList();
        if (mc.isEmpty()) {
            return;
        }
        h.append("<h2>Calibration</h2>\n<p class=\"muted\">Confidence: the softmax of the choices' loglikelihoods at the predicted "
            + "choice; documents in 10 equal bins, each bin's accuracy against its mean confidence.</p>\n<div class=\"charts\">");
        for (TaskSummary t : mc) {
            Calibration c = t.calibration();
            h.append("<div>");
            img(h, Charts.reliability(t.task() + "  (ECE " + num(c.ece()) + ")", c), t.task() + " reliability diagram");
            h.append("<table><tr><th>confidence</th><th>documents</th><th>accuracy</th></tr>");
            for (Calibration.Bin b : c.bins()) {
                if (b.count() > 0) {
                    h.append("<tr><td>").append(String.format(Locale.ROOT, "%.1f-%.1f", b.lower(), b.upper())).append("</td><td class=\"num\">")
                        .append(b.count()).append("</td><td class=\"num\">").append(num(b.accuracy())).append("</td></tr>");
                }
            }
            h.append("</table></div>");
        }
        h.append("</div>\n");
    }

    private static void groups(StringBuilder h, EvalRun run) {
        h.append("<h2>By ").append(esc(run.groupBy())).append("</h2>\n");
        run.groups().forEach((task, byValue) -> {
            if (byValue.isEmpty()) {
                return;
            }
            h.append("<h3>").append(esc(task)).append("</h3>\n<table><tr><th>").append(esc(run.groupBy())).append("</th><th>documents</th>");
            List<String> keys = byValue.values().iterator().next().metrics().keySet().stream().toList();
            keys.forEach(k -> h.append("<th>").append(esc(k)).append("</th>"));
            h.append("</tr>\n");
            byValue.forEach((value, s) -> {
                h.append("<tr><td>").append(esc(value)).append("</td><td class=\"num\">").append(s.documents()).append("</td>");
                for (String k : keys) {
                    MetricSummary m = s.metrics().get(k);
                    h.append("<td class=\"num\">").append(num(m.value()))
                        .append(m.stderr() == null ? "" : " <span class=\"muted\">&plusmn; " + num(m.stderr()) + "</span>").append("</td>");
                }
                h.append("</tr>\n");
            });
            h.append("</table>\n");
        });
    }

    private static void comparisons(StringBuilder h, EvalRun run) {
        h.append("<h2>Compared with ").append(esc(run.earlier())).append("</h2>\n<p class=\"muted\">Over the documents scored in both "
            + "runs (matched by doc_id): this run minus the earlier, with a 95 % paired-bootstrap interval.</p>\n");
        for (Comparison.TaskComparison c : run.comparisons()) {
            h.append("<h3>").append(esc(c.task())).append("</h3>\n<div class=\"charts\">");
            img(h, Charts.differences(c.task(), c.metrics()), c.task() + " differences");
            h.append("</div>\n<table><tr><th>metric</th><th>earlier</th><th>this run</th><th>difference</th><th>95 % interval</th>"
                + "<th>documents</th><th>flipped</th></tr>\n");
            for (Comparison.MetricDiff d : c.metrics()) {
                boolean better = d.higherIsBetter() ? d.difference() > 0 : d.difference() < 0;
                boolean sure = d.ciLow() > 0 || d.ciHigh() < 0;
                h.append("<tr><td class=\"key\">").append(esc(d.metric())).append("</td><td class=\"num\">").append(num(d.earlier()))
                    .append("</td><td class=\"num\">").append(num(d.current())).append("</td><td class=\"num ")
                    .append(sure ? (better ? "up" : "down") : "").append("\">").append(signed(d.difference()))
                    .append("</td><td class=\"num\">[").append(signed(d.ciLow())).append(", ").append(signed(d.ciHigh()))
                    .append("]</td><td class=\"num\">").append(d.matched()).append("</td><td>");
                Comparison.Flips f = c.flips().get(d.metric());
                if (f != null) {
                    h.append("<span class=\"up\">").append(f.becameCorrect().size()).append(" now correct</span>")
                        .append(ids(f.becameCorrect())).append(", <span class=\"down\">").append(f.becameIncorrect().size())
                        .append(" now wrong</span>").append(ids(f.becameIncorrect()));
                }
                h.append("</td></tr>\n");
            }
            h.append("</table>\n");
            if (c.onlyCurrent() + c.onlyEarlier() > 0) {
                h.append("<p class=\"muted\">").append(c.onlyCurrent()).append(" documents scored only in this run, ")
                    .append(c.onlyEarlier()).append(" only in the earlier one.</p>\n");
            }
        }
    }

    private static String ids(List<Integer> ids) {
        if (ids.isEmpty()) {
            return "";
        }
        String shown = String.join(", ", ids.stream().limit(FLIPS_SHOWN).map(String::valueOf).toList());
        return " <span class=\"muted\">(doc " + shown + (ids.size() > FLIPS_SHOWN ? ", ..." : "") + ")</span>";
    }

    private static void img(StringBuilder h, String base64, String alt) {
        h.append("<img alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,").append(base64).append("\">");
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "N/A";
        }
        return Math.abs(v) >= 1000 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String signed(double v) {
        return Double.isNaN(v) ? "N/A" : (v > 0 ? "+" : "") + num(v);
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
