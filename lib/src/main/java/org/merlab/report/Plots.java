package org.merlab.report;

import java.util.List;
import java.util.Map;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Marker;
import tech.tablesaw.plotly.traces.BarTrace;
import tech.tablesaw.plotly.traces.HeatmapTrace;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Plotly figures (Tablesaw jsplot) for notebooks and reports, built from plain arrays. A facade so
 * notebooks need neither {@code tech.tablesaw.plotly.components.*} nor its clash with
 * {@code tech.tablesaw.api.Table} (platform.md: JShell silently nulls {@code Table} variables when
 * both wildcards are imported).
 */
public final class Plots {
    private static final int WIDTH = 760, HEIGHT = 420;

    private Plots() {}

    /** One line per series over a shared x. */
    public static Figure lines(String title, String xTitle, double[] x, String yTitle, Map<String, double[]> series) {
        Trace[] traces = series.entrySet().stream()
                .map(e -> ScatterTrace.builder(x, e.getValue()).mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(e.getKey()).build())
                .toArray(Trace[]::new);
        return new Figure(layout(title, xTitle, yTitle, series.size() > 1), traces);
    }

    /** A line with a ± band drawn as error bars (e.g. mean ± std over seeds). */
    public static Figure lineWithSpread(String title, String xTitle, double[] x, String yTitle, String name, double[] mean, double[] spread) {
        double[] lo = new double[mean.length], hi = new double[mean.length];
        for (int i = 0; i < mean.length; i++) {
            lo[i] = mean[i] - spread[i];
            hi[i] = mean[i] + spread[i];
        }
        Trace m = ScatterTrace.builder(x, mean).mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(name).build();
        Trace l = ScatterTrace.builder(x, lo).mode(ScatterTrace.Mode.LINE).name(name + " − std").build();
        Trace h = ScatterTrace.builder(x, hi).mode(ScatterTrace.Mode.LINE).name(name + " + std").build();
        return new Figure(layout(title, xTitle, yTitle, true), m, l, h);
    }

    /** Grouped bars: one group per category, one bar per series. */
    public static Figure bars(String title, List<String> categories, String yTitle, Map<String, double[]> series) {
        Object[] cats = categories.toArray();
        Trace[] traces = series.entrySet().stream()
                .map(e -> BarTrace.builder(cats, e.getValue()).name(e.getKey()).build())
                .toArray(Trace[]::new);
        Layout layout = Layout.builder().title(title).width(WIDTH).height(HEIGHT).showLegend(series.size() > 1)
                .barMode(Layout.BarMode.GROUP).yAxis(Axis.builder().title(yTitle).build()).build();
        return new Figure(layout, traces);
    }

    /** A scatter of y against x (e.g. predicted against true valence), with an optional y = x line. */
    public static Figure scatter(String title, String xTitle, double[] x, String yTitle, double[] y, boolean diagonal) {
        Trace points = ScatterTrace.builder(x, y).mode(ScatterTrace.Mode.MARKERS).name("samples")
                .marker(Marker.builder().size(5).opacity(0.5).build()).build();
        if (!diagonal) return new Figure(layout(title, xTitle, yTitle, false), points);
        double lo = Math.min(min(x), min(y)), hi = Math.max(max(x), max(y));
        Trace line = ScatterTrace.builder(new double[] {lo, hi}, new double[] {lo, hi}).mode(ScatterTrace.Mode.LINE).name("y = x").build();
        return new Figure(layout(title, xTitle, yTitle, true), points, line);
    }

    /** A heatmap, rows top to bottom as given (e.g. a confusion matrix, truth rows × predicted columns). */
    public static Figure heatmap(String title, List<String> columns, List<String> rows, double[][] values) {
        // plotly draws the first row at the bottom: reverse so the table reads top-down
        int n = rows.size();
        double[][] z = new double[n][];
        Object[] y = new Object[n];
        for (int i = 0; i < n; i++) {
            z[i] = values[n - 1 - i];
            y[i] = rows.get(n - 1 - i);
        }
        Layout layout = Layout.builder().title(title).width(560).height(480).build();
        return new Figure(layout, HeatmapTrace.builder(columns.toArray(), y, z).build());
    }

    private static Layout layout(String title, String xTitle, String yTitle, boolean legend) {
        return Layout.builder().title(title).width(WIDTH).height(HEIGHT).showLegend(legend)
                .xAxis(Axis.builder().title(xTitle).build()).yAxis(Axis.builder().title(yTitle).build()).build();
    }

    private static double min(double[] a) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : a) m = Math.min(m, v);
        return m;
    }

    private static double max(double[] a) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : a) m = Math.max(m, v);
        return m;
    }
}
