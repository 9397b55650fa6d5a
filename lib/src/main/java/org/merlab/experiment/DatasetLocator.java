package org.merlab.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntConsumer;
import org.merlab.data.MerDataset;
import org.merlab.sim.MerSim;
import org.merlab.sim.SimSpec;
import org.merlab.sim.SimWriter;

/**
 * Decides which dataset a run reads: {@code --data}, else the config's {@code dataset}, else the
 * {@code MERLAB_DATA} environment variable, else MER-SIM under {@code <home>/data/mer-sim},
 * generated on first use with the default seed.
 */
public final class DatasetLocator {
    private DatasetLocator() {}

    /** The project directory: the launcher passes {@code -Dmerlab.home}; else the working directory. */
    public static Path home() {
        return Path.of(System.getProperty("merlab.home", ".")).toAbsolutePath().normalize();
    }

    public static Path defaultSimRoot() {
        return home().resolve("data").resolve("mer-sim");
    }

    public static Path resolve(Path cliData, String configDataset) {
        if (cliData != null) return cliData;
        if (configDataset != null && !configDataset.isBlank()) return home().resolve(configDataset);
        String env = System.getenv("MERLAB_DATA");
        if (env != null && !env.isBlank()) return Path.of(env);
        return defaultSimRoot();
    }

    /** Opens the dataset, generating the default MER-SIM first if that is what was asked and it is missing. */
    public static MerDataset open(Path root, IntConsumer simProgress) {
        if (root.toAbsolutePath().normalize().equals(defaultSimRoot()) && !Files.isRegularFile(root.resolve(SimWriter.MANIFEST))) {
            try {
                SimWriter.writeIfNeeded(new MerSim(SimSpec.defaults()), root, false, simProgress);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return MerDataset.open(root);
    }

    /** Whether a dataset root is MER-SIM (it carries the generator's manifest) rather than MER 2023. */
    public static boolean isSynthetic(Path root) {
        return Files.isRegularFile(root.resolve(SimWriter.MANIFEST));
    }
}
