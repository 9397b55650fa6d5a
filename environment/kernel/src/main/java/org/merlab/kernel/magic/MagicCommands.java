package org.merlab.kernel.magic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.github.spencerpark.jupyter.kernel.magic.common.Load;
import io.github.spencerpark.jupyter.kernel.magic.registry.Magics;
import io.github.spencerpark.jupyter.kernel.util.GlobFinder;

/**
 * IJava's line magics: {@code %jars}, {@code %classpath}, {@code %maven} (alias {@code %addMavenDependency})
 * and {@code %load}, on the base kernel's magic registry.
 */
public final class MagicCommands {
    private final Magics magics = new Magics();
    private final Consumer<String> classpath;
    private final MavenResolver maven = new MavenResolver();

    /**
     * @param classpath adds one path (jar or directory) to the notebook's class path
     * @param runCode   runs code (a script or a notebook's code cells) for {@code %load}
     */
    public MagicCommands(Consumer<String> classpath, Load.Executor runCode) {
        this.classpath = classpath;
        magics.registerLineMagic("jars", args -> add(find(args, true), "jar"));
        magics.registerLineMagic("classpath", args -> add(find(args, false), "class path entry"));
        magics.registerLineMagic("maven", this::maven);
        magics.registerLineMagic("addMavenDependency", this::maven);
        magics.registerLineMagic("addMavenDependencies", this::maven);
        Load load = new Load(List.of(".jsh", ".jshell", ".java", ".ijava"), runCode);
        magics.registerLineMagic("load", args -> {
            load.load(args);
            return null;
        });
    }

    /** Runs line magic {@code name}; throws {@code UndefinedMagicException} when there is none. */
    public Object line(String name, List<String> args) throws Exception {
        return magics.applyLineMagic(name, args);
    }

    /** Runs cell magic {@code name}; throws {@code UndefinedMagicException} when there is none. */
    public Object cell(String name, List<String> args, String body) throws Exception {
        return magics.applyCellMagic(name, args, body);
    }

    private List<String> maven(List<String> args) throws Exception {
        List<String> coords = new ArrayList<>();
        for (String a : args) if (!a.startsWith("-")) coords.add(a);
        if (coords.isEmpty()) throw new IllegalArgumentException("usage: %maven group:artifact[:packaging[:classifier]]:version ...");
        return add(maven.resolve(coords), "jar");
    }

    private static List<Path> find(List<String> globs, boolean jarsOnly) throws Exception {
        if (globs.isEmpty()) throw new IllegalArgumentException("usage: %" + (jarsOnly ? "jars" : "classpath") + " PATH-OR-GLOB...");
        List<Path> found = new ArrayList<>();
        for (String glob : globs) {
            List<Path> matches = new ArrayList<>();
            GlobFinder finder = new GlobFinder(glob);
            for (Path p : jarsOnly ? finder.computeMatchingFiles() : finder.computeMatchingPaths()) {
                if (!jarsOnly || p.toString().endsWith(".jar")) matches.add(p.toAbsolutePath().normalize());
            }
            if (matches.isEmpty()) throw new IllegalArgumentException("nothing matches " + glob + " (from " + Path.of("").toAbsolutePath() + ")");
            found.addAll(matches);
        }
        return found;
    }

    private List<String> add(List<Path> paths, String what) {
        List<String> added = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) throw new IllegalArgumentException("no such file: " + p);
            classpath.accept(p.toString());
            added.add(p.toString());
        }
        System.out.println("Added " + added.size() + " " + what + (added.size() == 1 ? "" : "s") + " to the class path"
                + (added.size() <= 5 ? ": " + String.join(", ", added.stream().map(s -> Path.of(s).getFileName().toString()).toList()) : "."));
        return added;
    }
}
