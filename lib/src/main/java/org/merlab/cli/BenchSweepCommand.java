package org.merlab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.merlab.experiment.DatasetLocator;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;
import org.merlab.sim.SimWriter;
import org.merlab.train.ComputeDevice;
import org.merlab.train.ExperimentRunner;
import org.merlab.train.FoldResult;
import org.merlab.train.RunListener;
import org.merlab.train.TrainingBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The layer-sweep target of the batched engine: one unimodal config (HL18) trained alone, then the sweep over
 * HuBERT layers 0..N-1 as one batched run (`merlab run hl-L00.json … hl-L24.json`), same epochs and seeds; the
 * ratio sweep / one config is what the issue asks to be within 2×. {@code --width} shrinks the model so that its
 * arithmetic costs nearly nothing: what is left is the per-call cost (JNI crossings, kernel launches), the part a
 * GPU pays, measurable on a CPU.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Time the HuBERT layer sweep (unimodal, layers 0..N-1, 5 folds x SEEDS x EPOCHS) as one",
                "batched run against one of its configs (HL18) alone; prints both, their ratio, per-step times",
                "and JSON. --width W sets the model's hidden and d to W (e.g. 4: per-call overhead only)."})
final class BenchSweepCommand implements Callable<Integer> {
    @Option(names = "--data", description = "Dataset root (default: MER-SIM under data/mer-sim, generated if missing).")
    Path data;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs per fold (default: ${DEFAULT-VALUE}; the paper: 100).")
    int epochs;

    @Option(names = "--seeds", defaultValue = "1", description = "Seeds 0..n-1 (default: ${DEFAULT-VALUE}, as the issue's target).")
    int seeds;

    @Option(names = "--layers", defaultValue = "25", description = "Layers 0..n-1 in the sweep (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--width", description = "Hidden size and d of the models (default: the config's, 256 and 128).")
    Integer width;

    @Option(names = "--dropout-chunk", description = "Steps per dropout draw of libtorch's generator (sets"
            + " -Dmerlab.dropout.chunk, and on the CPU -Dmerlab.dropout.draws=libtorch; default: Java's draws, per step,"
            + " on the CPU, libtorch's in chunks of 16 on a GPU).")
    String dropoutChunk;

    @Override
    public Integer call() throws Exception {
        if (dropoutChunk != null) {
            System.setProperty("merlab.dropout.chunk", dropoutChunk);
            System.setProperty("merlab.dropout.draws", "libtorch");
        }
        Path home = DatasetLocator.home();
        ExperimentConfig base = ExperimentConfigs.read(home.resolve("experiments").resolve("hl-L18.json"));
        List<Long> seedList = new ArrayList<>();
        for (long s = 0; s < seeds; s++) seedList.add(s);
        base = base.withProtocol(base.protocol().withEpochsAndSeeds(epochs, seedList));
        if (width != null) {
            ExperimentConfig.Model m = base.model();
            base = new ExperimentConfig(base.name(), base.description(), base.dataset(), base.features(),
                    new ExperimentConfig.Model(m.structure(), m.decoder(), width, width, m.dropout(), m.softmaxWeights()),
                    base.loss(), base.protocol(), base.fusion());
        }
        Path root = DatasetLocator.resolve(data, base.dataset()).toAbsolutePath().normalize();
        Path tmp = Files.createTempDirectory("merlab-bench-sweep-");
        try {
            List<Path> files = new ArrayList<>();
            Path one = null;
            int oneLayer = Math.min(18, layers - 1);
            for (int k = 0; k < layers; k++) {
                Path f = write(tmp, String.format(Locale.ROOT, "hl-L%02d", k), k, base, base.protocol());
                files.add(f);
                if (k == oneLayer) one = f;
            }
            ai.djl.Device device = ComputeDevice.device();
            int batch = base.protocol().batchSize();
            long macs = TrainingBench.macsPerSample(ExperimentConfigs.read(one), root); // every layer: the same model
            double peak = TrainingBench.matmulPeakGflops(device.isGpu() ? 8192 : 2048, 10);
            // untimed: one epoch of the single config first, so that neither timed run pays the engine's start
            // (native libraries, JIT, on a GPU the CUDA context and cuBLAS), which the one run first used to pay
            Path warmUp = write(tmp, "warm-up", oneLayer, base, base.protocol().withEpochsAndSeeds(1, List.of(0L)));
            timed(List.of(warmUp), root, tmp.resolve("out-warm-up"), batch, macs);
            Timed single = timed(List.of(one), root, tmp.resolve("out-one"), batch, macs);
            Timed sweep = timed(files, root, tmp.resolve("out-sweep"), batch, macs);

            Map<String, Object> all = new LinkedHashMap<>();
            all.put("dataset", root.toString());
            all.put("device", ComputeDevice.describe(device));
            all.put("threads", ComputeDevice.threads());
            all.put("speed_settings", ComputeDevice.speedSettings());
            all.put("matrix_kernels", org.merlab.train.MatrixKernels.describe(device));
            all.put("cores", Runtime.getRuntime().availableProcessors());
            all.put("epochs_per_fold", epochs);
            all.put("seeds", seeds);
            all.put("width", width == null ? "config" : width);
            all.put("dropout_chunk", System.getProperty("merlab.dropout.chunk", "auto"));
            all.put("dropout_draws", TrainingBench.dropoutScheme(device));
            all.put("adam_update", TrainingBench.adamScheme(device));
            all.put("warm_up", "one epoch of the one config, untimed, before both");
            all.put("macs_per_sample", macs);
            all.put("matmul_peak_gflops", peak);
            all.put("one_config", single.json(one.getFileName().toString().replace(".json", ""), peak));
            all.put("sweep", sweep.json(layers + " layers", peak));
            all.put("ratio_wall", sweep.wall / single.wall);
            all.put("ratio_training", sweep.training / single.training);
            all.put("peak_rss_mb", BenchTrainCommand.peakRssMb());
            all.put("gpu_memory_held_mb", BenchTrainCommand.gpuMemoryHeldMb(device));

            System.out.printf(Locale.ROOT, "layer sweep on %s, %s, %d threads; %d epochs x %d seed(s) x 5 folds%s%n", root,
                    all.get("device"), ComputeDevice.threads(), epochs, seeds, width == null ? "" : ", width " + width);
            System.out.printf(Locale.ROOT, "%-16s %8s %12s %12s %16s %9s %9s%n", "", "models", "wall s", "training s",
                    "ms/batched step", "GFLOP/s", "of peak");
            single.print("one config (" + one.getFileName().toString().replace(".json", "") + ")", peak);
            sweep.print(layers + "-layer sweep", peak);
            System.out.printf(Locale.ROOT, "matrix-multiply peak measured now: %.1f GFLOP/s (%s); peak RSS %.0f MB%n", peak,
                    device.isGpu() ? "8192²" : "2048²", BenchTrainCommand.peakRssMb());
            System.out.printf(Locale.ROOT, "sweep / one config: %.2f x wall, %.2f x training (for %d x the models)%n",
                    sweep.wall / single.wall, sweep.training / single.training, layers);
            System.out.println(ExperimentConfigs.JSON.writeValueAsString(all));
            return 0;
        } finally {
            SimWriter.deleteTree(tmp);
        }
    }

    /** A unimodal config of {@code base}'s model and loss reading HuBERT layer {@code layer}, as {@code tmp/name.json}. */
    private static Path write(Path tmp, String name, int layer, ExperimentConfig base, ExperimentConfig.Protocol protocol)
            throws java.io.IOException {
        Map<String, Object> c = new LinkedHashMap<>(); // (the record itself would also write isFusion())
        c.put("name", name);
        c.put("description", base.description());
        c.put("features", List.of(List.of("HL" + layer)));
        c.put("model", base.model());
        c.put("loss", base.loss());
        c.put("protocol", protocol);
        Path f = tmp.resolve(name + ".json");
        Files.writeString(f, ExperimentConfigs.JSON.writeValueAsString(c));
        return f;
    }

    /**
     * One batched run's figures: wall (loading included), training (the models' epoch time), steps, and the arithmetic
     * its training did (FLOPs counted as {@code bench train} counts them: the model's multiply-adds per sample, a
     * training step as three forwards, one forward per held-out row and epoch).
     */
    private record Timed(int models, double wall, double training, long batchedSteps, double flops) {
        double gflops() {
            return flops / training / 1e9;
        }

        Map<String, Object> json(String what, double peak) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("what", what);
            m.put("models", models);
            m.put("wall_seconds", wall);
            m.put("training_seconds", training);
            m.put("batched_steps", batchedSteps);
            m.put("ms_per_batched_step", 1e3 * training / batchedSteps);
            m.put("gflops", gflops());
            m.put("fraction_of_peak", gflops() / peak);
            return m;
        }

        void print(String label, double peak) {
            System.out.printf(Locale.ROOT, "%-16s %8d %12.2f %12.2f %16.2f %9.1f %7.0f %%%n", label, models, wall, training,
                    1e3 * training / batchedSteps, gflops(), 100 * gflops() / peak);
        }
    }

    private static Timed timed(List<Path> files, Path root, Path out, int batch, long macsPerSample) {
        List<FoldResult> folds = Collections.synchronizedList(new ArrayList<>());
        RunListener l = new RunListener() {
            @Override
            public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                folds.add(r);
            }
        };
        long t0 = System.nanoTime();
        ExperimentRunner.runSweep(files, new ExperimentRunner.Options(out, root, Profile.PAPER, true, l));
        double wall = (System.nanoTime() - t0) / 1e9;
        double training = 0;
        long maxSteps = 0;
        double samples = 0; // forwards, in samples: a training step's batch three times, a held-out row once
        for (FoldResult f : folds) {
            training += f.summary().seconds();
            long steps = (long) f.summary().epochsRun() * ((f.summary().trainSamples() + batch - 1) / batch);
            maxSteps = Math.max(maxSteps, steps);
            samples += 3.0 * steps * batch + (double) f.summary().epochsRun() * f.summary().heldOutSamples();
        }
        return new Timed(folds.size(), wall, training, maxSteps, 2.0 * macsPerSample * samples);
    }
}
