package org.merlab.e2e.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code tests/notebooks/kernel-e2e.ipynb} through nbclient against the installed {@code java}
 * kernel (a scratch copy under tests/target/kernel-e2e/) and checks every cell's outputs: MIME types and
 * content of magics, display/updateDisplay/render, Table, Figure, image, result object, errors,
 * live progress, interrupts (and that the next cell works).
 */
class KernelNotebookTest {
    private static JsonNode summary;
    private static JsonNode notebook;

    @BeforeAll
    static void runNotebook() throws Exception {
        Jupyter.requireJupyter();
        Path work = Jupyter.ARTIFACTS.resolve("notebook");
        Jupyter.Result r = Jupyter.run(List.of("notebook", Jupyter.ROOT.resolve("tests/notebooks").toString(),
                work.toString()), 600);
        summary = r.json();
        assertEquals(0, r.exitCode(), "driver failed:\n" + r.stderr());
        notebook = Jupyter.JSON.readTree(Files.readString(Path.of(summary.path("executed").asText())));
        assertTrue(summary.path("error").isNull(), "notebook run failed: " + summary.path("error").asText()
                + "\nkernel/driver log:\n" + r.stderr());
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static JsonNode cell(String tag) {
        for (JsonNode c : notebook.path("cells"))
            if (c.path("metadata").path("tags").path(0).asText().equals(tag)) return c;
        throw new AssertionError("no cell tagged " + tag);
    }

    private static List<JsonNode> outputs(String tag, String type) {
        List<JsonNode> list = new ArrayList<>();
        for (JsonNode o : cell(tag).path("outputs")) if (o.path("output_type").asText().equals(type)) list.add(o);
        return list;
    }

    private static String text(JsonNode node) {
        if (node.isArray()) {
            StringBuilder b = new StringBuilder();
            node.forEach(n -> b.append(n.asText()));
            return b.toString();
        }
        return node.asText();
    }

    private static String result(String tag, String mime) {
        List<JsonNode> r = outputs(tag, "execute_result");
        assertEquals(1, r.size(), tag + ": one execute_result expected, outputs: " + cell(tag).path("outputs"));
        JsonNode data = r.get(0).path("data").path(mime);
        assertTrue(!data.isMissingNode(), tag + ": no " + mime + " in " + r.get(0).path("data").fieldNames());
        return text(data);
    }

    private static String stdout(String tag) {
        StringBuilder b = new StringBuilder();
        for (JsonNode o : outputs(tag, "stream")) b.append(text(o.path("text")));
        return b.toString();
    }

    private static void noErrors(String tag) {
        List<JsonNode> errors = outputs(tag, "error");
        if (!errors.isEmpty()) fail(tag + " failed: " + errors.get(0).path("ename").asText() + ": "
                + errors.get(0).path("evalue").asText() + "\n" + text(errors.get(0).path("traceback")));
    }

    private static JsonNode error(String tag) {
        List<JsonNode> errors = outputs(tag, "error");
        assertEquals(1, errors.size(), tag + ": one error output expected");
        return errors.get(0);
    }

    // ---- cells ----------------------------------------------------------------------------------

    @Test
    void firstCellEvaluates() {
        assertEquals("2", result("first", "text/plain"));
    }

    @Test
    void classpathMagicAddsAClassDirectory() {
        noErrors("magic_classpath");
        assertEquals("hello notebook from a class directory", result("magic_classpath", "text/plain"));
    }

    @Test
    void jarsMagicAddsJars() {
        noErrors("magic_jars");
        assertEquals("42", result("magic_jars", "text/plain"));
        assertTrue(stdout("magic_jars").contains("fixture.jar"));
    }

    @Test
    void mavenMagicResolvesWithDependencies() {
        noErrors("magic_maven");
        assertEquals("Offline Maven", result("magic_maven", "text/plain"));
        assertTrue(stdout("magic_maven").contains("commons-lang3"), "transitive dependency added: " + stdout("magic_maven"));
    }

    @Test
    void loadMagicRunsAScript() {
        noErrors("magic_load");
        assertEquals("42 helper.jsh", result("magic_load", "text/plain"));
    }

    @Test
    void displayAndUpdateDisplay() {
        noErrors("display");
        List<JsonNode> shown = outputs("display", "display_data");
        assertEquals(2, shown.size(), "two displays: " + shown);
        // nbclient applied update_display_data to the first display (same display id)
        assertEquals("second version", text(shown.get(0).path("data").path("text/plain")));
        assertEquals("<b>bold</b>", text(shown.get(1).path("data").path("text/html")));
        assertEquals("36", result("display", "text/plain"), "display(...) returns a display id (a UUID)");
    }

    @Test
    void renderReturnsDisplayDataThatDisplays() {
        noErrors("render");
        List<JsonNode> shown = outputs("render", "display_data");
        assertEquals(1, shown.size());
        assertEquals("<i>rendered</i>", text(shown.get(0).path("data").path("text/html")));
        assertEquals("[1, 2, 3]", result("render", "text/plain"));
    }

    @Test
    void tableRendersAsCappedHtmlTable() {
        noErrors("table");
        String html = result("table", "text/html");
        assertTrue(html.contains("<table"), html);
        assertTrue(html.contains("100 rows × 2 columns (showing 20)"), html);
        int rows = html.split("<tr>", -1).length - 1;
        assertTrue(rows <= 24, "row cap: " + rows + " rows");
        assertTrue(html.contains("<th>99</th><td>99</td><td>9801</td>"), "last row shown");
        assertTrue(result("table", "text/plain").contains("squares"));
    }

    @Test
    void figureRendersOfflineWithPlotlyInlinedOnce() {
        noErrors("figure");
        noErrors("figure2");
        int bundles = 0;
        for (JsonNode c : notebook.path("cells"))
            for (JsonNode o : c.path("outputs"))
                if (text(o.path("data").path("text/html")).contains("plotly.js v2.35.3")) bundles++;
        assertEquals(1, bundles, "plotly.js inlined exactly once per notebook");
        String loader = text(outputs("figure", "display_data").get(0).path("data").path("text/html"));
        assertTrue(loader.contains("(function(define, exports, module)"), "bundle hidden from RequireJS");
        for (String tag : List.of("figure", "figure2")) {
            String html = result(tag, "text/html");
            assertTrue(html.contains("class=\"merlab-plot\"") && html.contains("Plotly.newPlot"), html);
            assertTrue(!html.contains("cdn.plot.ly") && !html.contains("src=\"http"), "no CDN: " + html);
        }
        assertTrue(result("figure", "text/html").contains("sin(x)"));
    }

    @Test
    void bufferedImageRendersAsPng() {
        noErrors("image");
        byte[] png = Base64.getMimeDecoder().decode(result("image", "image/png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals("PNG", new String(png, 1, 3));
    }

    @Test
    void resultObjectsWithToHtmlRenderAsHtml() {
        noErrors("result_object");
        assertEquals("<div class=\"summary\"><b>fusion</b>: accuracy 0.75</div>", result("result_object", "text/html"));
    }

    @Test
    void notebookSeesTheLibrarysGsonNotTheKernels() {
        noErrors("gson");
        assertTrue(result("gson", "text/plain").contains("gson-2.13"), result("gson", "text/plain"));
    }

    @Test
    void cellThreadHasTheShellClassLoaderAsContextLoader() {
        noErrors("tccl");
        assertEquals("true", result("tccl", "text/plain"));
    }

    @Test
    void djlFindsThePyTorchEngineOffline() {
        noErrors("djl");
        assertTrue(stdout("djl").contains("PyTorch 6.0"), stdout("djl"));
    }

    @Test
    void runtimeErrorShowsTheUsersFramesFirst() {
        JsonNode e = error("runtime_error");
        assertEquals("IllegalStateException", e.path("ename").asText());
        assertEquals("deliberate failure", e.path("evalue").asText());
        List<String> tb = new ArrayList<>();
        e.path("traceback").forEach(l -> tb.add(l.asText().replaceAll("\u001b\\[[0-9;]*m", "")));
        String all = String.join("\n", tb);
        assertTrue(tb.get(1).contains("in your code"), all);
        String cellNo = "cell [" + cell("runtime_error").path("execution_count").asInt() + "]";
        assertTrue(tb.get(2).contains("fails (" + cellNo) && tb.get(2).contains("line 3"), "throw site: " + all);
        assertTrue(all.contains("<cell> (cell [") && all.contains("line 7"), "call site: " + all);
        assertTrue(!all.contains("jdk.internal.reflect") && !all.contains("org.merlab.kernel"), "no kernel frames: " + all);
    }

    @Test
    void compileErrorPointsAtTheCode() {
        JsonNode e = error("compile_error");
        assertEquals("CompileError", e.path("ename").asText());
        String all = text(e.path("traceback")).replaceAll("\u001b\\[[0-9;]*m", "");
        assertTrue(all.contains("incompatible types"), all);
        assertTrue(all.contains("2 | String s = ok;"), "cell line 2 quoted: " + all);
        assertTrue(all.contains("^~"), "marker under the span: " + all);
    }

    @Test
    void trainingProgressIsOneLiveOutput() {
        noErrors("progress");
        List<JsonNode> shown = outputs("progress", "display_data");
        assertEquals(1, shown.size(), "one output updated in place, not a flood");
        String html = text(shown.get(0).path("data").path("text/html"));
        assertTrue(html.contains("<progress value=\"20\" max=\"20\""), html);
        assertTrue(html.contains("<svg") && html.contains("<polyline"), "live curve: " + html);
        assertTrue(text(shown.get(0).path("data").path("text/plain")).contains("done"));
        assertEquals("20", result("progress", "text/plain"));
    }

    /** Simulated training, a busy loop that ignores interrupts, and a real DJL training loop (GradientCollector). */
    @Test
    void interruptStopsTrainingWithinASecondAndTheNextCellWorks() {
        for (String tag : List.of("interrupt_cooperative", "interrupt_busy", "interrupt_djl")) {
            assertEquals("CellInterruptedException", error(tag).path("ename").asText(), tag);
            JsonNode seconds = summary.path("interrupt_to_reply_s").path(tag);
            assertNotNull(seconds, tag);
            assertTrue(seconds.isNumber() && seconds.asDouble() < 1.0, tag + ": interrupt to reply " + seconds + " s");
        }
        assertTrue(stdout("interrupt_cooperative").contains("training starts"));
        noErrors("after_djl_interrupt");
        assertEquals("[2.0, 4.0, 6.0]", result("after_djl_interrupt", "text/plain"),
                "a new GradientCollector works after the interrupted DJL training loop");
        noErrors("after_interrupt");
        assertEquals("still works: 2", result("after_interrupt", "text/plain"));
    }

    /**
     * merlab's own training (5 models as two CPU stacks, a checkpoint after every epoch) interrupted by the kernel while
     * it waits after its third epoch: the cell stops within a second, and the same call again resumes from the
     * checkpoints and gives the metrics of an uninterrupted training.
     */
    @Test
    void anInterruptedMerlabTrainingResumesToTheUninterruptedNumbers() {
        noErrors("merlab_setup");
        assertEquals("true", result("merlab_setup", "text/plain"), "the tiny MER-SIM was written");
        assertEquals("CellInterruptedException", error("interrupt_merlab").path("ename").asText());
        assertTrue(stdout("interrupt_merlab").contains("training starts"));
        JsonNode seconds = summary.path("interrupt_to_reply_s").path("interrupt_merlab");
        assertTrue(seconds.isNumber() && seconds.asDouble() < 1.0, "interrupt to reply " + seconds + " s");
        noErrors("after_merlab_interrupt");
        assertEquals("resumed: true, same metrics: true", result("after_merlab_interrupt", "text/plain"));
    }
}
