package org.merlab.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.merlab.data.FeatureLoader;
import org.merlab.data.FeatureName;
import org.merlab.data.MerDataset;
import org.merlab.data.Split;
import org.merlab.experiment.DatasetLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Time loading the train split's features (default: the paper's five, HL18 HL19 HL20 RF MR)",
                "into contiguous arrays, against NumPy (np.load per file + np.stack) on the same files.",
                "Best of 3 runs each, warm file cache."})
final class BenchLoadCommand implements Callable<Integer> {
    @Option(names = "--data", description = "Dataset root (default: MER-SIM under data/mer-sim, generated if missing).")
    Path data;

    @Option(names = "--features", split = ",", defaultValue = "HL18,HL19,HL20,RF,MR", description = "Features (default: ${DEFAULT-VALUE}).")
    List<String> features;

    @Option(names = "--no-numpy", description = "Skip the NumPy comparison.")
    boolean noNumpy;

    @Override
    public Integer call() throws Exception {
        Path root = DatasetLocator.resolve(data, null);
        MerDataset ds = DatasetLocator.open(root, i -> {});
        List<String> names = ds.labels(Split.TRAIN).names();
        List<String> dirs = new ArrayList<>();
        for (String f : features) dirs.add(FeatureName.parse(f).directory());
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            for (String d : dirs) FeatureLoader.load(ds.featureDirectory(d), d, names);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("merlab: %d samples x %d feature dirs loaded in %.3f s (best of 3, %d threads)%n", names.size(), dirs.size(), best,
                Runtime.getRuntime().availableProcessors());
        if (!noNumpy) {
            Double numpy = numpySeconds(root, dirs);
            if (numpy == null) {
                System.out.println("numpy: not measured (needs /usr/bin/python3 with numpy: apt-get install python3-numpy)");
            } else {
                System.out.printf("numpy: %.3f s (np.load + np.stack, best of 3)%nratio merlab/numpy: %.3f%n", numpy, best / numpy);
            }
        }
        return 0;
    }

    private static Double numpySeconds(Path root, List<String> dirs) throws IOException, InterruptedException {
        Path script = DatasetLocator.home().resolve("environment/bench/numpy_load.py");
        if (!Files.isRegularFile(Path.of("/usr/bin/python3")) || !Files.isRegularFile(script)) return null;
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script.toString(), root.toString()));
        cmd.addAll(dirs);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || !out.startsWith("{")) return null;
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(out).get("seconds").asDouble();
    }
}
