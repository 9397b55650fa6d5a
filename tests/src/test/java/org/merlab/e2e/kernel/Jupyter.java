package org.merlab.e2e.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the Python test driver {@code tests/python/kernel_e2e.py} with Debian's {@code /usr/bin/python3}
 * (real Jupyter: nbclient, jupyter_client) and parses the JSON it prints.
 *
 * <p>Without Jupyter or the installed {@code java} kernelspec these tests are skipped, unless
 * {@code MERLAB_E2E=1} (env or system property {@code merlab.e2e}) is set: then they fail with the reason.
 */
final class Jupyter {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ROOT = Path.of(System.getProperty("merlab.root", "..")).toAbsolutePath().normalize();
    static final Path DRIVER = ROOT.resolve("tests/python/kernel_e2e.py");
    static final Path ARTIFACTS = ROOT.resolve("tests/target/kernel-e2e");
    static final String PYTHON = System.getenv().getOrDefault("MERLAB_PYTHON", "/usr/bin/python3");

    private Jupyter() { }

    static boolean required() {
        return "1".equals(System.getenv("MERLAB_E2E")) || "1".equals(System.getProperty("merlab.e2e"))
                || "true".equals(System.getProperty("merlab.e2e"));
    }

    /** Skips (or, with MERLAB_E2E=1, fails) unless Jupyter and the `java` kernelspec are installed. */
    static void requireJupyter() {
        String problem;
        if (!Files.isExecutable(Path.of(PYTHON))) {
            problem = PYTHON + " not found: install Debian's Jupyter (environment/setup)";
        } else {
            try {
                Result r = run(List.of("check"), 60);
                problem = r.json.path("ok").asBoolean() ? null : r.json.path("problem").asText("Jupyter check failed");
                if (problem == null && !Files.isRegularFile(ROOT.resolve("environment/kernel/target/merlab-kernel.jar")))
                    problem = "the kernel jar is not built (mvn package, or environment/setup)";
            } catch (Exception e) {
                problem = "cannot run the Jupyter check: " + e;
            }
        }
        unavailable(problem);
    }

    /** Skips, or fails when end-to-end tests are required, if {@code problem} is not null. */
    static void unavailable(String problem) {
        if (problem == null) return;
        if (required()) fail("MERLAB_E2E=1 but " + problem);
        Assumptions.abort(problem + " (set MERLAB_E2E=1 to make this a failure)");
    }

    record Result(int exitCode, JsonNode json, String stderr) { }

    static Result run(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, DRIVER.toString()));
        cmd.addAll(args);
        return exec(cmd, timeoutSeconds, true);
    }

    static Result exec(List<String> cmd, long timeoutSeconds, boolean jsonOut) throws IOException, InterruptedException {
        Files.createDirectories(ARTIFACTS);
        Path out = Files.createTempFile(ARTIFACTS, "driver", ".out");
        Path err = Files.createTempFile(ARTIFACTS, "driver", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putIfAbsent("OPT_OUT_TRACKING", "true");
        pb.environment().putIfAbsent("DJL_OFFLINE", "true");
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("timed out after " + timeoutSeconds + " s: " + cmd + "\n" + Files.readString(err));
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        JsonNode json = null;
        if (jsonOut) {
            int start = stdout.indexOf('{');
            if (start < 0) fail("no JSON from " + cmd + " (exit " + p.exitValue() + ")\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
            json = JSON.readTree(stdout.substring(start));
        } else {
            json = JSON.createObjectNode().put("stdout", stdout);
        }
        return new Result(p.exitValue(), json, stderr);
    }
}
