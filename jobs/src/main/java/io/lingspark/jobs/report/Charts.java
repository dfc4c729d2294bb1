package io.lingspark.jobs.report;

import io.lingspark.jobs.eval.Aggregation;
import io.lingspark.jobs.eval.Calibration;
import io.lingspark.jobs.eval.Comparison;
import io.lingspark.jobs.eval.MetricSummary;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's charts, drawn with XChart off screen and returned as base64 PNG for data: URIs. */
final class Charts {
    private static final Color[] PALETTE = {new Color(0x2b6cb0), new Color(0xdd6b20), new Color(0x2f855a),
        new Color(0x9b2c2c), new Color(0x6b46c1), new Color(0x2c7a7b), new Color(0x975a16), new Color(0x4a5568)};
    private static final Color GRID = new Color(0xe2e8f0);

    private Charts() {
    }

    static {
        // no display on executors, CI or a headless driver
        System.setProperty("java.awt.headless", "true");
    }

    /** Bars of a task's metrics with ±1 stderr error bars (none where there is no stderr). */
    static String metricBars(String title, Map<String, MetricSummary> metrics, boolean unitInterval) {
        CategoryChart chart = new CategoryChartBuilder().width(560).height(300).title(title).yAxisTitle(unitInterval ? "value" : "").build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setAvailableSpaceFill(0.5);
        chart.getStyler().setYAxisMin(0.0);
        if (unitInterval) {
            chart.getStyler().setYAxisMax(1.0);
        }
        chart.getStyler().setYAxisDecimalPattern(unitInterval ? "0.0" : "0.###");
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        metrics.forEach((k, m) -> {
            names.add(k);
            values.add(Double.isNaN(m.value()) ? 0.0 : m.value());
            errors.add(m.stderr() == null ? 0.0 : m.stderr());
        });
        chart.addSeries("value", names, values, errors);
        return png(chart);
    }

    /** The reliability diagram: accuracy per confidence bin against the diagonal of perfect calibration. */
    static String reliability(String title, Calibration c) {
        XYChart chart = new XYChartBuilder().width(380).height(340).title(title).xAxisTitle("confidence").yAxisTitle("accuracy").build();
        style(chart.getStyler());
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(1.0);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setXAxisDecimalPattern("0.0");
        chart.getStyler().setYAxisDecimalPattern("0.0");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        XYSeries diagonal = chart.addSeries("perfect", new double[] {0, 1}, new double[] {0, 1});
        diagonal.setMarker(SeriesMarkers.NONE);
        diagonal.setLineColor(Color.GRAY);
        diagonal.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (Calibration.Bin b : c.bins()) {
            if (b.count() > 0) {
                x.add(b.meanConfidence());
                y.add(b.accuracy());
            }
        }
        if (!x.isEmpty()) {
            XYSeries model = chart.addSeries("model", x, y);
            model.setMarker(SeriesMarkers.CIRCLE);
            model.setLineColor(PALETTE[0]);
            model.setMarkerColor(PALETTE[0]);
        }
        return png(chart);
    }

    /** Each metric's difference (this run minus the earlier) as a point on its 95 % interval, with zero marked. */
    static String differences(String title, List<Comparison.MetricDiff> diffs) {
        XYChart chart = new XYChartBuilder().width(560).height(130 + 40 * diffs.size()).title(title).xAxisTitle("difference (this run - earlier)").build();
        style(chart.getStyler());
        chart.getStyler().setYAxisTicksVisible(false);
        chart.getStyler().setYAxisMin(-0.6);
        chart.getStyler().setYAxisMax(diffs.size() - 0.4);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        double lo = 0;
        double hi = 0;
        for (int i = 0; i < diffs.size(); i++) {
            Comparison.MetricDiff d = diffs.get(i);
            if (Double.isNaN(d.difference())) {
                continue;
            }
            Color color = PALETTE[i % PALETTE.length];
            double a = Double.isNaN(d.ciLow()) ? d.difference() : d.ciLow();
            double b = Double.isNaN(d.ciHigh()) ? d.difference() : d.ciHigh();
            lo = Math.min(lo, a);
            hi = Math.max(hi, b);
            double row = diffs.size() - 1 - i;
            XYSeries interval = chart.addSeries(d.metric(), new double[] {a, b}, new double[] {row, row});
            interval.setMarker(SeriesMarkers.NONE);
            interval.setLineColor(color);
            interval.setLineStyle(new BasicStroke(3f));
            XYSeries point = chart.addSeries(d.metric() + " ", new double[] {d.difference()}, new double[] {row});
            point.setMarker(SeriesMarkers.DIAMOND);
            point.setMarkerColor(color);
            point.setShowInLegend(false);
        }
        double pad = Math.max(1e-3, (hi - lo) * 0.1);
        XYSeries zero = chart.addSeries("zero", new double[] {0, 0}, new double[] {-0.6, diffs.size() - 0.4});
        zero.setMarker(SeriesMarkers.NONE);
        zero.setLineColor(Color.GRAY);
        zero.setShowInLegend(false);
        chart.getStyler().setXAxisMin(lo - pad);
        chart.getStyler().setXAxisMax(hi + pad);
        return png(chart);
    }

    /** Whether a metric's values lie in [0, 1] (means of 0/1 scores), so its bars share a 0-1 axis. */
    static boolean unitInterval(Aggregation a) {
        return a == Aggregation.MEAN;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setSeriesColors(PALETTE);
        s.setAntiAlias(true);
        s.setLegendBorderColor(GRID);
        if (s instanceof org.knowm.xchart.style.AxesChartStyler a) {
            a.setPlotGridLinesColor(GRID);
            a.setAxisTickLabelsColor(new Color(0x2d3748));
        }
    }

    private static String png(Chart<?, ?> chart) {
        try {
            return Base64.getEncoder().encodeToString(BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
