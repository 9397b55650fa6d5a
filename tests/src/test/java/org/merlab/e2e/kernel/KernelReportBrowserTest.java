package org.merlab.e2e.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code environment/render} turns {@code tests/notebooks/kernel-report.ipynb} into a self-contained HTML
 * report (no network references); headless Debian {@code chromium} opens it and the plot must have
 * drawn (plotly SVG with a line through the points). Report and screenshot stay in
 * tests/target/kernel-e2e/report/.
 */
class KernelReportBrowserTest {
    private static final Path DIR = Jupyter.ARTIFACTS.resolve("report");
    private static final Path HTML = DIR.resolve("kernel-report.html");
    private static final Path PNG = DIR.resolve("kernel-report.png");

    @BeforeAll
    static void render() throws Exception {
        Jupyter.requireJupyter();
        Files.createDirectories(DIR);
        Jupyter.Result r = Jupyter.exec(List.of(Jupyter.PYTHON, Jupyter.ROOT.resolve("environment/render").toString(),
                Jupyter.ROOT.resolve("tests/notebooks/kernel-report.ipynb").toString(), HTML.toString(),
                "--timeout", "300"), 600, false);
        assertEquals(0, r.exitCode(), "environment/render failed:\n" + r.stderr());
    }

    @Test
    void reportIsSelfContained() throws Exception {
        String html = Files.readString(HTML);
        Matcher remote = Pattern.compile("<(script|link|img|iframe)\\b[^>]*\\b(src|href)\\s*=\\s*[\"']?(https?:)?//",
                Pattern.CASE_INSENSITIVE).matcher(html);
        assertTrue(!remote.find(), "network reference: " + (remote.hitEnd() ? "" : html.substring(remote.start(), Math.min(html.length(), remote.start() + 150))));
        assertEquals(1, html.split("plotly.js v2.35.3", -1).length - 1, "plotly.js inlined once");
        assertTrue(html.contains("require.min.js") || html.contains("requirejs"), "RequireJS on the page (inlined)");
        assertTrue(html.contains("40 rows × 2 columns"), "the table is in the report");
    }

    @Test
    void plotDrawsInHeadlessChromium() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium")))
            Jupyter.unavailable("chromium is not installed (environment/setup --with-browser)");
        Jupyter.Result r = Jupyter.run(List.of("browser", HTML.toString(), PNG.toString()), 300);
        JsonNode b = r.json();
        assertTrue(b.path("ok").asBoolean(), b.toString());
        assertTrue(b.path("main_svg").asInt() >= 1, "plotly drew an SVG: " + b);
        assertTrue(b.path("line_paths").asInt() >= 1, "a plotted line: " + b);
        assertTrue(b.path("points_per_line").path(0).asInt() >= 20, "the line goes through the points: " + b);
        assertTrue(Files.size(PNG) > 10_000, "screenshot kept at " + PNG);
    }
}
