package org.merlab.kernel.magic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Resolves {@code group:artifact[:packaging[:classifier]]:version} coordinates, with their runtime
 * dependencies, to jar files using the Maven installation (so {@code ~/.m2/settings.xml}, mirrors and
 * proxies apply): first offline from the local repository, then from the configured remotes (Maven
 * Central by default). The Maven command is {@code $MERLAB_MVN} or {@code mvn}.
 */
public final class MavenResolver {
    private static final String PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath";

    /** A parsed coordinate. */
    record Coordinate(String group, String artifact, String packaging, String classifier, String version) {
        static Coordinate parse(String s) {
            String[] p = s.trim().split(":");
            switch (p.length) {
                case 3: return new Coordinate(p[0], p[1], null, null, p[2]);
                case 4: return new Coordinate(p[0], p[1], p[2], null, p[3]);
                case 5: return new Coordinate(p[0], p[1], p[2], p[3], p[4]);
                default: throw new IllegalArgumentException(
                        "not a Maven coordinate: '" + s + "' (expected group:artifact[:packaging[:classifier]]:version)");
            }
        }

        String xml() {
            StringBuilder b = new StringBuilder("<dependency><groupId>").append(group).append("</groupId><artifactId>")
                    .append(artifact).append("</artifactId><version>").append(version).append("</version>");
            if (packaging != null && !packaging.isEmpty()) b.append("<type>").append(packaging).append("</type>");
            if (classifier != null && !classifier.isEmpty()) b.append("<classifier>").append(classifier).append("</classifier>");
            return b.append("</dependency>").toString();
        }
    }

    /** The jar files of the coordinates and their runtime dependencies. */
    public List<Path> resolve(List<String> coordinates) throws IOException, InterruptedException {
        List<Coordinate> coords = new ArrayList<>();
        for (String c : coordinates) coords.add(Coordinate.parse(c));
        Path dir = Files.createTempDirectory("merlab-maven");
        try {
            StringBuilder pom = new StringBuilder("<project xmlns=\"http://maven.apache.org/POM/4.0.0\">"
                    + "<modelVersion>4.0.0</modelVersion><groupId>merlab.notebook</groupId>"
                    + "<artifactId>maven-magic</artifactId><version>0</version><packaging>pom</packaging><dependencies>");
            for (Coordinate c : coords) pom.append(c.xml());
            pom.append("</dependencies></project>");
            Files.writeString(dir.resolve("pom.xml"), pom);
            Path out = dir.resolve("classpath.txt");
            String log = run(dir, out, true);
            if (log != null) {
                System.out.println("not all in the local Maven repository; resolving from the remote repositories...");
                log = run(dir, out, false);
                if (log != null) throw new IOException("Maven could not resolve " + coordinates + ":\n" + log);
            }
            List<Path> jars = new ArrayList<>();
            for (String entry : Files.readString(out).trim().split(java.io.File.pathSeparator))
                if (!entry.isBlank()) jars.add(Path.of(entry));
            return jars;
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs Maven; null on success, else its output. */
    private static String run(Path dir, Path out, boolean offline) throws IOException, InterruptedException {
        String mvn = System.getenv().getOrDefault("MERLAB_MVN", "mvn");
        List<String> cmd = new ArrayList<>(List.of(mvn, "-B", "-q"));
        if (offline) cmd.add("-o");
        cmd.addAll(List.of("-f", dir.resolve("pom.xml").toString(), PLUGIN,
                "-Dmdep.outputFile=" + out, "-Dmdep.includeScope=runtime"));
        Path log = dir.resolve(offline ? "offline.log" : "online.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return "Maven timed out";
        }
        return p.exitValue() == 0 && Files.exists(out) ? null : Files.readString(log, StandardCharsets.UTF_8);
    }
}
