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
            "02-layer-choice", java.util.Arrays.asList("hl-18-20-afg", "hl-18-20-weighted-sum", null),
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
        List<String> rows = HEADLINE_ROWS.get(name);
        assertTrue(rows != null, "no expectation for " + name + ": add it to HEADLINE_ROWS");
        assertEquals(rows.size(), t.rowCount(), name + ": rows " + t.stringColumn("experiment").asList());
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i) != null) assertEquals(rows.get(i), t.stringColumn("experiment").get(i), name + " row " + i);
        }
        for (String c : SCORE_COLUMNS) finite(name, t, c);
        for (String ds : t.stringColumn("dataset").asList()) assertTrue(ds.equals("MER-SIM (synthetic)") || ds.equals("MER 2023"), ds);
    }

    private static void finite(String name, Table t, String column) {
        var col = t.numberColumn(column);
        for (int i = 0; i < t.rowCount(); i++) {
            double v = col.getDouble(i);
            assertTrue(Double.isFinite(v), name + ": " + column + " row " + i + " is " + v);
        }
    }
}
