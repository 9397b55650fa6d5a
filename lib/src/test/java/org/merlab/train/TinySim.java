package org.merlab.train;

import java.io.IOException;
import java.nio.file.Path;
import org.merlab.sim.MerSim;
import org.merlab.sim.SimSpec;
import org.merlab.sim.SimWriter;

/** The engine tests' dataset: MER-SIM at 300 train, 60 test1 and 61 test2 clips. */
final class TinySim {
    private TinySim() {}

    /**
     * Writes it to {@code dir/sim} and returns that root. Through SimWriter, so the dataset carries
     * MER-SIM's manifest (metrics.json then says "synthetic").
     */
    static Path write(Path dir) throws IOException {
        Path data = dir.resolve("sim");
        SimWriter.writeIfNeeded(new MerSim(SimSpec.defaults().withSizes(300, 60, 61)), data, false, i -> {});
        return data;
    }
}
