package org.merlab.experiment;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Where a result came from (as Tribuo's provenance): the git commit of the code, whether the tree
 * had uncommitted changes, the library versions, Java, OS and the compute device, and when.
 */
public record Provenance(String gitCommit, boolean gitDirty, Map<String, String> versions, String device, String createdAt) {

    /** Reads the provenance of this process; {@code projectDir} is where git is asked. */
    public static Provenance capture(Path projectDir, String device) {
        String commit = git(projectDir, "rev-parse", "HEAD");
        String status = git(projectDir, "status", "--porcelain", "--untracked-files=no");
        return new Provenance(commit == null ? "unknown" : commit, status != null && !status.isBlank(), libraryVersions(), device,
                Instant.now().toString());
    }

    static Map<String, String> libraryVersions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("merlab", implementationVersion(Provenance.class, "0.1.0-SNAPSHOT"));
        v.put("djl", resourceProperty("ai/djl/engine/api.properties", "djl_version"));
        v.put("pytorch", pytorchVersion(System.getenv()));
        v.put("jackson", com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString());
        // Tablesaw's jar has no Implementation-Version in its manifest; Maven's pom.properties names it.
        v.put("tablesaw", resourceProperty("META-INF/maven/tech.tablesaw/tablesaw-core/pom.properties", "version"));
        v.put("java", System.getProperty("java.version"));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return v;
    }

    /**
     * The libtorch that DJL loads: the bundled natives' version, unless {@code PYTORCH_LIBRARY_PATH} names a folder
     * holding a libtorch, which DJL then loads instead (its LibUtils); that one's version is only known from
     * {@code PYTORCH_VERSION}, which DJL also reads.
     */
    static String pytorchVersion(Map<String, String> env) {
        String override = env.get("PYTORCH_LIBRARY_PATH");
        String libtorch = System.mapLibraryName("torch");
        if (override != null) {
            for (String entry : override.split(File.pathSeparator)) {
                if (entry.isBlank()) continue;
                Path path = Path.of(entry);
                // as DJL: an entry is the library itself or a folder holding it
                Path lib = Files.isRegularFile(path) && path.getFileName().toString().equals(libtorch) ? path : path.resolve(libtorch);
                if (!Files.isRegularFile(lib)) continue;
                String named = env.get("PYTORCH_VERSION");
                return (named == null || named.isBlank() ? "unknown" : named) + " (" + lib.getParent() + ")";
            }
        }
        return resourceProperty("native/lib/pytorch.properties", "version");
    }

    private static String implementationVersion(Class<?> c, String fallback) {
        String v = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
        return v == null ? fallback : v;
    }

    private static String resourceProperty(String resource, String key) {
        ClassLoader cl = Thread.currentThread().getContextClassLoader() != null ? Thread.currentThread().getContextClassLoader() : Provenance.class.getClassLoader();
        try (InputStream in = cl.getResourceAsStream(resource)) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty(key, "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String git(Path dir, String... args) {
        try {
            String[] cmd = new String[args.length + 3];
            cmd[0] = "git";
            cmd[1] = "-C";
            cmd[2] = dir.toString();
            System.arraycopy(args, 0, cmd, 3, args.length);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
