package org.merlab.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.merlab.sim.MerSim;
import org.merlab.sim.SimSpec;
import org.merlab.sim.SimWriter;
import org.merlab.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sim", mixinStandardHelpOptions = true,
        description = {"Generate MER-SIM, the synthetic stand-in for MER 2023, in the MER 2023 layout (data.md).",
                "Deterministic: the same seed and sizes give byte-identical files."})
final class SimCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Dataset root to create (holds dataset-process/ and dataset-release/).")
    Path out;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).", defaultValue = "2023")
    long seed;

    @Option(names = "--train", description = "Train&Val clips (default: ${DEFAULT-VALUE}).", defaultValue = "3373")
    int train;

    @Option(names = "--test", description = "MER-MULTI (test1) clips; MER-NOISE (test2) gets one more (default: ${DEFAULT-VALUE}).", defaultValue = "411")
    int test;

    @Option(names = "--spec", description = "JSON file overriding generator knobs (see SimSpec; unknown keys are errors).")
    Path specFile;

    @Option(names = "--force", description = "Regenerate even if OUT already holds this exact MER-SIM.")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        SimSpec spec = specFile == null ? SimSpec.defaults() : readSpec(specFile);
        spec = spec.withSeed(seed).withSizes(train, test, test == 0 ? 0 : test + 1);
        MerSim sim = new MerSim(spec);
        long t0 = System.nanoTime();
        SimWriter.Outcome outcome;
        try (ProgressBar bar = new ProgressBar("MER-SIM", (long) spec.train() + spec.test1() + spec.test2(), "clips", quiet)) {
            outcome = SimWriter.writeIfNeeded(sim, out, force, bar::update);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (outcome == SimWriter.Outcome.UP_TO_DATE) {
            System.out.printf("MER-SIM (seed %d) already in %s; nothing to do (--force regenerates)%n", spec.seed(), out);
        } else {
            System.out.printf("MER-SIM (seed %d): %d train, %d test1, %d test2 clips written to %s in %.1f s%n",
                    spec.seed(), spec.train(), spec.test1(), spec.test2(), out, secs);
        }
        return 0;
    }

    static SimSpec readSpec(Path file) throws java.io.IOException {
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        ObjectNode merged = json.valueToTree(SimSpec.defaults());
        var override = json.readTree(file.toFile());
        override.fields().forEachRemaining(e -> {
            if (!merged.has(e.getKey())) throw new Main.UserError(file + ": unknown MER-SIM knob '" + e.getKey() + "'");
            merged.set(e.getKey(), e.getValue());
        });
        return json.treeToValue(merged, SimSpec.class);
    }
}
