package org.merlab.e2e.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code environment/reproduce} on the results the notebook run left (so nothing trains again: the
 * resume path): reports/NN-name.html per notebook and an index.html linking them with the headline table.
 */
class ReproduceTest {
    @Test
    void reproduceReusesFinishedExperimentsAndWritesTheIndex() throws Exception {
        NotebookRun.result(); // the notebooks ran: their experiments are in NotebookRun.RESULTS
        Path reports = NotebookRun.OUT.resolve("reproduce");
        java.util.List<String> cmd = java.util.List.of(NotebookRun.ROOT.resolve("environment/reproduce").toString(), "--profile", "quick",
                "--only", "00,06", "--results", NotebookRun.RESULTS.toString(), "--reports", reports.toString());
        String out = run(cmd, "--force"); // --force: a report directory left by an earlier local run is no reason to skip
        assertTrue(out.contains("00-data") && out.contains("06-final-system") && out.contains("total"), out);
        for (String nb : new String[] {"00-data", "06-final-system"}) {
            assertTrue(Files.size(reports.resolve(nb + ".html")) > 100_000, nb + " report");
        }
        String index = Files.readString(reports.resolve("index.html"));
        assertTrue(index.contains("href=\"06-final-system.html\""), "links the reports");
        assertTrue(index.contains("<td>final-system</td>") && index.contains("0.685"), "headline with the paper's 0.6846");
        assertTrue(index.contains("MER-SIM") && index.contains("quick"), "dataset and profile");
        assertTrue(!index.contains("src=\"http") && !index.contains("href=\"http"), "self-contained");
        // nothing changed since that run: the reports are kept and no notebook runs; --force runs them again
        long before = Files.getLastModifiedTime(reports.resolve("06-final-system.html")).toMillis();
        String again = run(cmd);
        assertTrue(again.contains("nothing changed since the last complete quick --only 00,06 run"), again);
        assertEquals(before, Files.getLastModifiedTime(reports.resolve("06-final-system.html")).toMillis(), "report kept");
        String third = run(cmd, "--force");
        assertTrue(third.contains("06-final-system") && third.contains("total"), third);
        // resume: the final system's members were finished, so nothing trained
        String metrics = Files.readString(NotebookRun.RESULTS.resolve("final-system/quick/metrics.json"));
        assertTrue(metrics.contains("\"folds_trained\" : 0"), "final-system reused its members");
        // the notebook kernel starts Java with the vector module, as the launcher does (environment/kernel/kernelspec)
        assertTrue(metrics.contains("\"adam_update\" : \"java, vector lanes of "), metrics);
    }

    private static String run(java.util.List<String> command, String... more) throws Exception {
        java.util.List<String> all = new java.util.ArrayList<>(command);
        all.addAll(java.util.List.of(more));
        Process p = new ProcessBuilder(all).directory(NotebookRun.ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(900, TimeUnit.SECONDS), "reproduce finished");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
