package org.merlab.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.merlab.data.Emotion;
import org.merlab.data.LabelSet;
import org.merlab.train.AttentionSummary;
import org.merlab.train.SplitPredictions;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.BoxTrace;

/** Notebook figures built from {@link Tables} and results (Tablesaw plotly {@link Figure}s, rendered offline by the kernel). */
public final class Figures {
    private Figures() {}

    /** Valence distribution per class (box per class). */
    public static Figure valenceBoxes(String title, LabelSet labels) {
        int[] c = labels.classes();
        double[] v = labels.valences();
        List<Object> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < c.length; i++) {
            if (Double.isNaN(v[i])) continue;
            x.add(Emotion.ofIndex(c[i]).label());
            y.add(v[i]);
        }
        double[] yy = y.stream().mapToDouble(Double::doubleValue).toArray();
        BoxTrace t = BoxTrace.builder(x.toArray(), yy).build();
        Layout l = Layout.builder().title(title).width(760).height(420).showLegend(false)
                .yAxis(Axis.builder().title("valence").build()).build();
        return new Figure(l, t);
    }

    /** Grouped bars of some numeric columns of a table, one group per value of a string column. */
    public static Figure bars(String title, Table t, String categoryColumn, String yTitle, String... columns) {
        List<String> cats = t.stringColumn(categoryColumn).asList();
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String c : columns) series.put(c, t.numberColumn(c).asDoubleArray());
        return Plots.bars(title, cats, yTitle, series);
    }

    /** Lines of some columns of a table over one numeric x column. */
    public static Figure lines(String title, Table t, String xColumn, String yTitle, String... columns) {
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String c : columns) series.put(c, t.numberColumn(c).asDoubleArray());
        return Plots.lines(title, xColumn, t.numberColumn(xColumn).asDoubleArray(), yTitle, series);
    }

    /** One column of several runs' curve tables over epochs, one line per run. */
    public static Figure compareCurves(String title, Map<String, Table> curves, String column) {
        int n = curves.values().stream().mapToInt(Table::rowCount).max().orElse(0);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i + 1;
        Map<String, double[]> series = new LinkedHashMap<>();
        curves.forEach((name, t) -> {
            double[] y = new double[n];
            java.util.Arrays.fill(y, Double.NaN);
            double[] col = t.numberColumn(column).asDoubleArray();
            System.arraycopy(col, 0, y, 0, col.length);
            series.put(name, y);
        });
        return Plots.lines(title, "epoch", x, column, series);
    }

    /** Attention weights per class as a heatmap (rows: all, then classes; columns: inputs). */
    public static Figure attentionHeatmap(String title, AttentionSummary a) {
        List<String> rows = new ArrayList<>();
        List<double[]> vals = new ArrayList<>();
        rows.add("all");
        vals.add(a.mean());
        a.perClass().forEach((k, w) -> {
            rows.add(k);
            vals.add(w);
        });
        return Plots.heatmap(title, a.inputs(), rows, vals.toArray(new double[0][]));
    }

    /** Confusion matrix heatmap of a prediction set. */
    public static Figure confusion(String title, SplitPredictions p) {
        long[][] cm = p.score().classification().confusion();
        List<String> labels = new ArrayList<>();
        double[][] z = new double[cm.length][cm.length];
        for (int i = 0; i < cm.length; i++) {
            labels.add(Emotion.ofIndex(i).label());
            for (int j = 0; j < cm.length; j++) z[i][j] = cm[i][j];
        }
        return Plots.heatmap(title, labels, labels, z);
    }

    /** Predicted (clipped) against true valence of a prediction set, with y = x. */
    public static Figure valenceScatter(String title, SplitPredictions p) {
        return Plots.scatter(title, "true valence", p.trueValence(), "predicted valence", p.clippedValence(), true);
    }
}
