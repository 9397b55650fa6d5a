package org.merlab.e2e.notebooks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rendered notebook reports draw their plots in headless Debian {@code chromium}: as many plotly
 * SVGs as the report has figures, and line plots with their lines (the driver's {@code browser}
 * command of {@code tests/python/kernel_e2e.py}). Screenshots stay in tests/target/notebooks-e2e/reports/.
 * A chromium that hangs is killed with its helper processes and started again (at most 3 times, 60 s each,
 * each with a fresh profile directory); the JSON lists the attempts.
 */
class NotebookReportBrowserTest {
    @ParameterizedTest(name = "{0} report draws its plots")
    @ValueSource(strings = {"01-unimodal", "03-fusion-structures", "06-final-system"})
    void plotsDraw(String name) throws Exception {
        JsonNode n = NotebookRun.notebook(name);
        if (!Files.isExecutable(Path.of("/usr/bin/chromium"))) NotebookRun.unavailable("chromium is not installed (environment/setup --with-browser)");
        Path html = Path.of(n.path("html").asText());
        Path png = html.resolveSibling(name + ".png");
        Process p = new ProcessBuilder(NotebookRun.PYTHON, NotebookRun.ROOT.resolve("tests/python/kernel_e2e.py").toString(), "browser",
                html.toString(), png.toString()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(400, TimeUnit.SECONDS), "chromium finished");
        JsonNode b = NotebookRun.JSON.readTree(out.substring(Math.max(0, out.indexOf('{'))));
        assertTrue(b.path("ok").asBoolean(), b.toString());
        int figures = n.path("figures").asInt();
        // plotly draws each figure into two main-svg layers
        assertTrue(b.path("main_svg").asInt() >= figures, "every figure drew (" + figures + " figures): " + b);
        if (name.equals("01-unimodal")) {
            assertTrue(b.path("line_paths").asInt() >= 1, "a plotted line: " + b);
        }
        assertTrue(Files.size(png) > 10_000, "screenshot kept at " + png);
    }
}
