package org.merlab.kernel.render;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * plotly.js for offline figures, inlined once per notebook (kernel session). The bundle is wrapped in a
 * function whose parameters {@code define}, {@code exports}, {@code module} are undefined, so on pages
 * that load RequireJS (classic notebook, nbconvert HTML) its UMD header still sets {@code window.Plotly}
 * instead of registering an anonymous AMD module. Figures queue their drawing until the bundle ran, so
 * the order of outputs does not matter.
 *
 * <p>Location: system property {@code merlab.plotly.js}, env {@code MERLAB_PLOTLY_JS}, else
 * {@code environment/plotly/node_modules/plotly.js-dist-min/plotly.min.js} next to the kernel jar.
 */
public final class PlotlyBundle {
    static final String QUEUE = "window.__merlabPlotlyQueue";

    private final AtomicBoolean emitted = new AtomicBoolean();
    private volatile String script;

    /** The HTML that loads plotly.js, the first time it is asked for; null afterwards. */
    public String takeOnce() {
        if (!emitted.compareAndSet(false, true)) return null;
        return html();
    }

    /** Forget that the bundle was emitted (the next figure inlines it again). */
    public void reset() {
        emitted.set(false);
    }

    /** The bundle as one {@code <script>} (or a visible warning when plotly.js is not installed). */
    public String html() {
        String s = script;
        if (s == null) {
            s = load();
            script = s;
        }
        return s;
    }

    private static String load() {
        Path path = locate();
        if (path == null || !Files.isRegularFile(path))
            return "<div style=\"color:#b00\">plotly.js is not installed (" + Html.escape(path)
                    + "): run environment/setup. Figures cannot be drawn.</div>";
        try {
            String js = Files.readString(path, StandardCharsets.UTF_8).replace("</script", "<\\/script");
            return "<script type=\"text/javascript\">\n"
                    + "/* plotly.js (MIT), inlined by the merlab kernel for offline use */\n"
                    + "(function(define, exports, module) {\n" + js + "\n}).call(window);\n"
                    + "(" + QUEUE + " || []).forEach(function (draw) { draw(); });\n"
                    + QUEUE + " = [];\n"
                    + "</script>";
        } catch (IOException e) {
            return "<div style=\"color:#b00\">cannot read plotly.js: " + Html.escape(e.getMessage()) + "</div>";
        }
    }

    static Path locate() {
        String configured = System.getProperty("merlab.plotly.js", System.getenv("MERLAB_PLOTLY_JS"));
        if (configured != null && !configured.isBlank()) return Path.of(configured);
        try {
            Path jar = Path.of(PlotlyBundle.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // environment/kernel/target/merlab-kernel.jar -> environment/plotly/...
            Path env = jar.getParent().getParent().getParent();
            return env.resolve("plotly/node_modules/plotly.js-dist-min/plotly.min.js");
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
