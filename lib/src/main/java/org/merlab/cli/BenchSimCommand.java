package org.merlab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.merlab.sim.MerSim;
import org.merlab.sim.SimSpec;
import org.merlab.sim.SimWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Time generating the full MER-SIM (3,373 + 411 + 412 clips, 28 feature dirs) into a temporary directory.")
final class BenchSimCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "Parent directory for the temporary dataset (default: the system temp dir).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path parent = dir == null ? Path.of(System.getProperty("java.io.tmpdir")) : dir;
        Path root = Files.createTempDirectory(parent, "mer-sim-bench-").resolve("sim");
        try {
            long t0 = System.nanoTime();
            SimWriter.writeIfNeeded(new MerSim(SimSpec.defaults()), root, true, i -> {});
            double secs = (System.nanoTime() - t0) / 1e9;
            long bytes;
            try (var s = Files.walk(root)) {
                bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.printf("MER-SIM generated in %.2f s: %.0f MB of files, %d threads%n", secs, bytes / 1e6, Runtime.getRuntime().availableProcessors());
        } finally {
            SimWriter.deleteTree(root.getParent());
        }
        return 0;
    }
}
