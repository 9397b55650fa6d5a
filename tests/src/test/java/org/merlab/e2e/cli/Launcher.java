package org.merlab.e2e.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code ./merlab} as a user would, capturing exit code, stdout and stderr. */
final class Launcher {
    record Result(int exit, String out, String err) {}

    static Path root() {
        return Path.of(System.getProperty("merlab.root", "..")).toAbsolutePath().normalize();
    }

    static Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    /** {@link #run(String...)} with these variables added to the launcher's environment. */
    static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return run(List.of(), env, args);
    }

    /** {@link #run(Map, String...)} with the variables {@code unset} removed from the environment first. */
    static Result run(List<String> unset, Map<String, String> env, String... args) throws IOException, InterruptedException {
        Process p = builder(unset, env, args).start();
        // read both streams fully (small outputs) before waiting
        var err = p.getErrorStream();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String errText = new String(err.readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("merlab " + String.join(" ", args) + " did not finish in 300 s");
        }
        return new Result(p.exitValue(), out, errText);
    }

    /** Starts {@code ./merlab args} with these variables added, stdout and stderr together into {@code log}. */
    static Process start(Path log, Map<String, String> env, String... args) throws IOException {
        return builder(List.of(), env, args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static ProcessBuilder builder(List<String> unset, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(root().resolve("merlab").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root().toFile());
        pb.environment().keySet().removeAll(unset);
        pb.environment().put("MERLAB_SKIP_SETUP", "1");
        pb.environment().putAll(env);
        return pb;
    }
}
