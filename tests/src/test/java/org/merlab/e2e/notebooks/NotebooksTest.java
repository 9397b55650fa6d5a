package org.merlab.e2e.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tech.tablesaw.api.Table;

/**
 * Every notebook, executed top to bottom with the {@code quick} profile through Jupyter: no error
 * output, every code cell executed, and its headline table (written by the notebook as
 * {@code <results>/tables/quick/<notebook>/headline.csv}) has the expected rows with finite values.
 */
class NotebooksTest {
    private static final List<String> SCORE_COLUMNS = List.of("CV F1 %", "CV MSE", "CV combined", "MER-MULTI F1 %", "MER-MULTI MSE",
            "MER-MULTI combined");

    /** Notebook -> expected experiments (rows) of its headline table, in order; null: any name. */
    static final Map<String, List<String>> HEADLINE_ROWS = Map.of(
            "01-unimodal", List.of("hl", "mr", "rf"),
            "02-layer-choice", java.util.Arrays.asList("hl-18-20-afg", "hl-18-20-weighted-sum", "hl-18-20-sum", "hl-18-20-concat", null),
            "03-fusion-structures", List.of("attention-hl-rf", "attention-hl-mr", "s1-joint-uncertainty", "s2-joint-uncertainty",
                    "s3-joint-uncertainty"),
            "04-joint-decoding", List.of("s1-separate-uncertainty", "s1-joint-uncertainty", "s1-mapping-uncertainty", "s1-gated-uncertainty"),
            "05-uncertainty-weighting", List.of("s1-joint-fixed", "s1-joint-uncertainty"),
            "06-final-system", List.of("attention-hl-mr", "s1-joint-uncertainty", "s2-joint-uncertainty", "s3-joint-uncertainty",
                    "final-system"));

    static Stream<Arguments> notebooks() throws Exception {
        try (var s = Files.list(NotebookRun.ROOT.resolve("notebooks"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d\\d-.*\\.ipynb")).sorted()
                    .map(n -> Arguments.of(n.substring(0, n.length() - ".ipynb".length())))
                    .filter(a -> only((String) a.get()[0])).toList().stream();
        }
    }

    private static boolean only(String name) {
        String o = System.getProperty("merlab.notebooks.only");
        return o == null || o.isBlank() || List.of(o.split(",")).contains(name.substring(0, 2));
    }

    @ParameterizedTest(name = "{0} runs top to bottom without errors")
    @MethodSource("notebooks")
    void runsWithoutErrors(String name) throws Exception {
        JsonNode n = NotebookRun.notebook(name);
        assertEquals(0, n.path("errors").size(), name + ": error outputs " + n.path("errors") + "\n" + n.path("render_stderr").asText());
        assertEquals(0, n.path("render_exit").asInt(), name + ": render failed\n" + n.path("render_stderr").asText());
        assertEquals(n.path("code_cells").asInt(), n.path("executed_cells").asInt(), name + ": every code cell ran");
        assertTrue(n.path("tables").asInt() >= 1, name + ": shows a table");
        assertTrue(n.path("figures").asInt() >= 1, name + ": shows a figure");
        assertTrue(Files.size(Path.of(n.path("html").asText())) > 100_000, name + ": report written (plotly inlined)");
    }

    @ParameterizedTest(name = "{0}: headline table has the expected rows and finite values")
    @MethodSource("notebooks")
    void headlineTable(String name) throws Exception {
        NotebookRun.notebook(name); // executed
        Path csv = NotebookRun.table(name, "headline");
        assertTrue(Files.isRegularFile(csv), name + " wrote no headline table at " + csv);
        Table t = Table.read().csv(csv.toFile());
        if (name.equals("00-data")) {
            assertEquals(6, t.rowCount(), "one row per emotion");
            assertEquals(List.of("neutral", "angry", "happy", "sad", "worried", "surprise"), t.stringColumn("class").asList());
            for (String c : List.of("mean valence", "std")) finite(name, t, c);
            return;
        }
        if (name.equals("07-feature-extraction")) {
            extractionHeadline(t);
            return;
        }
        List<String> rows = HEADLINE_ROWS.get(name);
        assertTrue(rows != null, "no expectation for " + name + ": add it to HEADLINE_ROWS");
        assertEquals(rows.size(), t.rowCount(), name + ": rows " + t.stringColumn("experiment").asList());
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i) != null) assertEquals(rows.get(i), t.stringColumn("experiment").get(i), name + " row " + i);
        }
        for (String c : SCORE_COLUMNS) finite(name, t, c);
        for (String ds : t.stringColumn("dataset").asList()) assertTrue(ds.equals("MER-SIM (synthetic)") || ds.equals("MER 2023"), ds);
    }

    /**
     * 07-feature-extraction: one row per feature directory it extracted into its scratch dataset, loaded back through
     * MerDataset: every HuBERT hidden state L0..Ln (4 with the fixtures' stand-in, 25 with an exported HuBERT-large),
     * the official last-layer name (equal to Ln), MANet (1024-d) and ResNet-FER (512-d), each with all 5 clips; and
     * its second run skipped every clip and rewrote no file.
     */
    private static void extractionHeadline(Table t) throws Exception {
        String name = "07-feature-extraction";
        List<String> dirs = t.stringColumn("directory").asList();
        int layers = dirs.size() - 3;
        assertTrue(layers >= 2, name + ": HuBERT layer directories in " + dirs);
        for (int k = 0; k < layers; k++) assertEquals("chinese-hubert-large-L" + k + "-UTT", dirs.get(k), name + " row " + k);
        assertEquals(List.of("chinese-hubert-large-UTT", "manet_UTT", "resnet50face_UTT"), dirs.subList(layers, dirs.size()), name);
        for (String c : List.of("dim", "clips", "mean L2 norm", "seconds")) finite(name, t, c);
        var dim = t.numberColumn("dim");
        var norm = t.numberColumn("mean L2 norm");
        for (int i = 0; i < t.rowCount(); i++) {
            assertEquals(5, t.numberColumn("clips").getDouble(i), name + ": every clip loaded back, row " + i);
            assertTrue(norm.getDouble(i) > 0, name + ": non-zero features, row " + i);
            if (i <= layers) assertEquals(dim.getDouble(0), dim.getDouble(i), name + ": one width for every hidden state, row " + i);
        }
        assertEquals(norm.getDouble(layers - 1), norm.getDouble(layers), 1e-9, name + ": chinese-hubert-large-UTT is the last layer");
        assertEquals(1024, dim.getDouble(layers + 1), name + ": manet_UTT width");
        assertEquals(512, dim.getDouble(layers + 2), name + ": resnet50face_UTT width");

        Path csv = NotebookRun.table(name, "resume");
        assertTrue(Files.isRegularFile(csv), name + " wrote no resume table at " + csv);
        Table r = Table.read().csv(csv.toFile());
        assertEquals(3, r.rowCount(), name + ": audio, manet, resnet-fer");
        for (int i = 0; i < r.rowCount(); i++) {
            assertEquals(5, r.numberColumn("1st run: processed").getDouble(i), name + ": first run processed every clip, row " + i);
            assertEquals(0, r.numberColumn("2nd run: processed").getDouble(i), name + ": second run processed nothing, row " + i);
            assertEquals(5, r.numberColumn("2nd run: skipped").getDouble(i), name + ": second run skipped every clip, row " + i);
            assertEquals(0, r.numberColumn("files rewritten").getDouble(i), name + ": second run rewrote no file, row " + i);
        }
    }

    private static void finite(String name, Table t, String column) {
        var col = t.numberColumn(column);
        for (int i = 0; i < t.rowCount(); i++) {
            double v = col.getDouble(i);
            assertTrue(Double.isFinite(v), name + ": " + column + " row " + i + " is " + v);
        }
    }
}
