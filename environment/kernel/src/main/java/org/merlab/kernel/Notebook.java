package org.merlab.kernel;

import java.util.List;
import java.util.UUID;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;

/**
 * The notebook API, IJava's: every cell sees these as static imports
 * ({@code import static org.merlab.kernel.Notebook.*}).
 * <pre>
 * display(obj)                    // shows obj now (mid-cell); returns the display id
 * display(obj, "text/html")       // ... as these MIME types only
 * updateDisplay(id, obj)          // replaces what display id shows (update_display_data)
 * render(obj, "image/png")        // a DisplayData, e.g. as the cell's last expression
 * progress("Training", steps)     // a live progress bar with live metric curves
 * </pre>
 */
public final class Notebook {
    private static volatile MerlabKernel kernel;

    private Notebook() { }

    static void attach(MerlabKernel k) {
        kernel = k;
    }

    /** The running kernel (IJava: {@code getKernelInstance()}). */
    public static MerlabKernel getKernelInstance() {
        MerlabKernel k = kernel;
        if (k == null) throw new IllegalStateException("not running in the merlab Jupyter kernel");
        return k;
    }

    public static DisplayData render(Object o) {
        return getKernelInstance().renderers().render(o);
    }

    public static DisplayData render(Object o, String... mimeTypes) {
        return getKernelInstance().renderers().renderAs(o, mimeTypes);
    }

    /** Shows {@code o} now; returns its display id for {@link #updateDisplay}. */
    public static String display(Object o) {
        return publish(render(o));
    }

    public static String display(Object o, String... mimeTypes) {
        return publish(render(o, mimeTypes));
    }

    public static void updateDisplay(String id, Object o) {
        getKernelInstance().getIO().display.updateDisplay(id, render(o));
    }

    public static void updateDisplay(String id, Object o, String... mimeTypes) {
        getKernelInstance().getIO().display.updateDisplay(id, render(o, mimeTypes));
    }

    /** A live progress bar with live curves of the reported metrics, updated in place. */
    public static TrainingProgress progress(String title, long totalSteps) {
        return new TrainingProgress(title, totalSteps);
    }

    /** Inlines plotly.js (again) now: for a notebook whose earlier figure outputs were cleared. */
    public static void plotlyInit() {
        getKernelInstance().renderers().plotly().reset();
        DisplayData d = new DisplayData();
        d.putHTML(getKernelInstance().renderers().plotly().takeOnce());
        getKernelInstance().display(d);
    }

    /** Evaluates code as if it were a cell; returns its value (or null). */
    public static Object eval(String code) throws Exception {
        return getKernelInstance().evalValue(code);
    }

    /** Runs a line magic, e.g. {@code lineMagic("jars", List.of("libs/*.jar"))}. */
    public static Object lineMagic(String name, List<String> args) throws Exception {
        return getKernelInstance().magics().line(name, args);
    }

    static String publish(DisplayData data) {
        DisplayData copy = new DisplayData(data);
        String id = data.hasDisplayId() ? data.getDisplayId() : UUID.randomUUID().toString();
        copy.setDisplayId(id);
        getKernelInstance().display(copy);
        return id;
    }
}
