package org.merlab.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.merlab.kernel.render.Html;

/**
 * A live progress bar and live metric curves (inline SVG) for a training loop, updated in place with
 * {@code update_display_data} at most every {@code merlab.progress.intervalMs} ms (default 250), so the
 * notebook gets one output instead of a flood of lines.
 * <pre>
 * var p = progress("Training", epochs * batches);
 * for (...) { ...; p.step(Map.of("loss", loss)); }   // throws CellInterruptedException when interrupted
 * p.done();
 * </pre>
 * Reporting progress also makes a loop interruptible: {@link #update} throws
 * {@link CellInterruptedException} once the cell was interrupted.
 */
public final class TrainingProgress {
    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
    private static final int MAX_POINTS = 400;

    private final String title;
    private final long total;
    private final long started = System.nanoTime();
    private final long intervalNanos = Long.getLong("merlab.progress.intervalMs", 250) * 1_000_000L;
    private final Map<String, List<double[]>> curves = new LinkedHashMap<>();
    private final String id;
    private long step;
    private long lastShown;
    private boolean finished;

    TrainingProgress(String title, long total) {
        this.title = title;
        this.total = Math.max(0, total);
        this.id = Notebook.publish(data());
        this.lastShown = System.nanoTime();
    }

    /** The display id of the progress output. */
    public String displayId() {
        return id;
    }

    /** Advances one step and records the metrics (may be empty). */
    public void step(Map<String, ? extends Number> metrics) {
        update(step + 1, metrics);
    }

    /** Sets the step and records the metrics (name → value) at that step. */
    public synchronized void update(long step, Map<String, ? extends Number> metrics) {
        if (Thread.currentThread().isInterrupted())
            throw new CellInterruptedException("training interrupted at step " + this.step);
        this.step = step;
        if (metrics != null) {
            metrics.forEach((k, v) -> {
                if (v != null && Double.isFinite(v.doubleValue()))
                    curves.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {step, v.doubleValue()});
            });
        }
        long now = System.nanoTime();
        if (now - lastShown >= intervalNanos || (total > 0 && step >= total)) {
            lastShown = now;
            show();
        }
    }

    /** Shows the final state. */
    public synchronized void done() {
        finished = true;
        show();
    }

    /** The recorded values of a metric, in step order. */
    public synchronized double[] values(String metric) {
        return curves.getOrDefault(metric, List.of()).stream().mapToDouble(p -> p[1]).toArray();
    }

    private void show() {
        try {
            Notebook.getKernelInstance().getIO().display.updateDisplay(id, data());
        } catch (RuntimeException notAttached) {
            // the cell's request is over (a background thread): nothing to update
        }
    }

    private DisplayData data() {
        double seconds = (System.nanoTime() - started) / 1e9;
        double fraction = total > 0 ? Math.min(1.0, (double) step / total) : 0;
        StringBuilder text = new StringBuilder(title).append(": ").append(step);
        if (total > 0) text.append('/').append(total).append(String.format(Locale.ROOT, " (%.0f%%)", 100 * fraction));
        text.append(String.format(Locale.ROOT, ", %.1f s", seconds));
        if (!finished && total > 0 && step > 0 && step < total)
            text.append(String.format(Locale.ROOT, ", about %.0f s left", seconds / step * (total - step)));
        if (finished) text.append(", done");
        StringBuilder metrics = new StringBuilder();
        curves.forEach((k, pts) -> metrics.append(metrics.length() == 0 ? "" : ", ").append(k).append(" = ")
                .append(String.format(Locale.ROOT, "%.4g", pts.get(pts.size() - 1)[1])));

        StringBuilder html = new StringBuilder("<div class=\"merlab-progress\" style=\"font-family:sans-serif\">");
        html.append("<div><b>").append(Html.escape(title)).append("</b></div>");
        html.append("<progress value=\"").append(total > 0 ? step : 0).append("\" max=\"").append(Math.max(1, total))
                .append("\" style=\"width:400px\"></progress> ");
        html.append("<span>").append(Html.escape(text.substring(title.length() + 2))).append("</span>");
        if (metrics.length() > 0) html.append("<div>").append(Html.escape(metrics)).append("</div>");
        if (!curves.isEmpty()) html.append(svg());
        html.append("</div>");

        DisplayData d = new DisplayData(text + (metrics.length() > 0 ? " | " + metrics : ""));
        d.putHTML(html.toString());
        return d;
    }

    /** All curves in one SVG line chart (each metric scaled to its own range; the legend gives the range). */
    private String svg() {
        int w = 400, h = 140, pad = 4;
        double maxX = Math.max(1, total > 0 ? total : step);
        StringBuilder b = new StringBuilder("<svg class=\"merlab-curve\" width=\"" + w + "\" height=\"" + (h + 18 * curves.size())
                + "\" style=\"background:#fafafa;border:1px solid #ddd\" xmlns=\"http://www.w3.org/2000/svg\">");
        int i = 0;
        for (Map.Entry<String, List<double[]>> e : curves.entrySet()) {
            List<double[]> pts = e.getValue();
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (double[] p : pts) {
                lo = Math.min(lo, p[1]);
                hi = Math.max(hi, p[1]);
            }
            double range = hi > lo ? hi - lo : 1;
            String colour = COLOURS[i % COLOURS.length];
            b.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.5\" points=\"");
            int stride = Math.max(1, pts.size() / MAX_POINTS);
            for (int j = 0; j < pts.size(); j += stride) appendPoint(b, pts.get(j), maxX, lo, range, w, h, pad);
            if ((pts.size() - 1) % stride != 0) appendPoint(b, pts.get(pts.size() - 1), maxX, lo, range, w, h, pad);
            b.append("\"/>");
            b.append("<text x=\"6\" y=\"").append(h + 14 + 18 * i).append("\" font-size=\"12\" fill=\"").append(colour).append("\">")
                    .append(Html.escape(e.getKey())).append(String.format(Locale.ROOT, "  (%.4g … %.4g)", lo, hi)).append("</text>");
            i++;
        }
        return b.append("</svg>").toString();
    }

    private static void appendPoint(StringBuilder b, double[] p, double maxX, double lo, double range, int w, int h, int pad) {
        double x = pad + (w - 2 * pad) * (p[0] / maxX);
        double y = h - pad - (h - 2 * pad) * ((p[1] - lo) / range);
        b.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
}
