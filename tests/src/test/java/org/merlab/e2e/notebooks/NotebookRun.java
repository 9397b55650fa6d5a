package org.merlab.e2e.notebooks;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Executes every notebook once per test JVM with the {@code quick} profile through real Jupyter
 * ({@code tests/python/notebooks_e2e.py}, Debian's {@code /usr/bin/python3}), into
 * {@code tests/target/notebooks-e2e/} (reports, executed notebooks, a fresh results root unless
 * {@code -Dmerlab.notebooks.reuse=true}; {@code -Dmerlab.notebooks.only=00,06} runs some notebooks only).
 * Without Jupyter or the kernelspec the tests are skipped, unless {@code MERLAB_E2E=1}: then they fail.
 */
final class NotebookRun {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ROOT = Path.of(System.getProperty("merlab.root", "..")).toAbsolutePath().normalize();
    static final Path OUT = ROOT.resolve("tests/target/notebooks-e2e");
    static final Path REPORTS = OUT.resolve("reports");
    static final Path RESULTS = OUT.resolve("results");
    static final String PYTHON = System.getenv().getOrDefault("MERLAB_PYTHON", "/usr/bin/python3");
    /** Whole-run limit: the quick profile is meant to take about 5 minutes; loaded CI machines get room. */
    static final long TIMEOUT_S = Long.getLong("merlab.notebooks.timeout", 3600);

    private static JsonNode result;
    private static String problem;

    private NotebookRun() {}

    static boolean required() {
        return "1".equals(System.getenv("MERLAB_E2E")) || "1".equals(System.getProperty("merlab.e2e"))
                || "true".equals(System.getProperty("merlab.e2e"));
    }

    static void unavailable(String why) {
        if (why == null) return;
        if (required()) fail("MERLAB_E2E=1 but " + why);
        Assumptions.abort(why + " (set MERLAB_E2E=1 to make this a failure)");
    }

    /** The driver's JSON for the one run of all notebooks (runs them on first call). */
    static synchronized JsonNode result() throws Exception {
        if (result == null && problem == null) {
            problem = check();
            if (problem == null) result = execute();
        }
        unavailable(problem);
        return result;
    }

    static JsonNode notebook(String name) throws Exception {
        for (JsonNode n : result().path("notebooks")) if (n.path("name").asText().equals(name)) return n;
        fail("notebook " + name + " was not run: " + result());
        return null;
    }

    private static String check() {
        if (!Files.isExecutable(Path.of(PYTHON))) return PYTHON + " not found: install Debian's Jupyter (environment/setup)";
        if (!Files.isRegularFile(ROOT.resolve("environment/kernel/target/merlab-kernel.jar"))) return "the kernel jar is not built (environment/setup)";
        try {
            Process p = new ProcessBuilder(PYTHON, ROOT.resolve("tests/python/kernel_e2e.py").toString(), "check")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) return "Jupyter check timed out";
            JsonNode j = JSON.readTree(out.substring(Math.max(0, out.indexOf('{'))));
            return j.path("ok").asBoolean() ? null : j.path("problem").asText("Jupyter check failed");
        } catch (Exception e) {
            return "cannot run the Jupyter check: " + e;
        }
    }

    private static JsonNode execute() throws IOException, InterruptedException {
        Files.createDirectories(OUT);
        // a fresh results root, so the notebooks train (set -Dmerlab.notebooks.reuse=true to keep finished experiments)
        deleteTree(Boolean.getBoolean("merlab.notebooks.reuse") ? RESULTS.resolve("tables") : RESULTS);
        List<String> cmd = new ArrayList<>(List.of(PYTHON, ROOT.resolve("tests/python/notebooks_e2e.py").toString(), "run", REPORTS.toString()));
        String only = System.getProperty("merlab.notebooks.only");
        if (only != null && !only.isBlank()) cmd.addAll(List.of("--only", only));
        Path out = OUT.resolve("driver.out");
        Path err = OUT.resolve("driver.err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("MERLAB_PROFILE", "quick");
        pb.environment().put("MERLAB_RESULTS", RESULTS.toString());
        pb.environment().putIfAbsent("OPT_OUT_TRACKING", "true");
        pb.environment().putIfAbsent("DJL_OFFLINE", "true");
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("the notebooks did not finish in " + TIMEOUT_S + " s\n" + Files.readString(err));
        }
        String stdout = Files.readString(out);
        int start = stdout.indexOf('{');
        if (start < 0) fail("no JSON from the notebook driver (exit " + p.exitValue() + ")\n" + stdout + "\n" + Files.readString(err));
        return JSON.readTree(stdout.substring(start));
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    /** Where a notebook's table CSV lands in the test's results root. */
    static Path table(String notebook, String name) {
        return RESULTS.resolve("tables").resolve("quick").resolve(notebook).resolve(name + ".csv");
    }
}
