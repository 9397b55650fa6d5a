package org.merlab.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.merlab.experiment.DatasetLocator;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;
import org.merlab.sim.SimWriter;
import org.merlab.train.ComputeDevice;
import org.merlab.train.EpochStats;
import org.merlab.train.ExperimentRunner;
import org.merlab.train.FoldResult;
import org.merlab.train.MatrixKernels;
import org.merlab.train.RunListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Time training: SEEDS x 5-fold CV (EPOCHS epochs per fold) of a config",
                "(default experiments/attention-hl-mr.json) on MER-SIM with the batched",
                "engine (all folds x seeds as one computation; --engine sequential for the",
                "old one), then the same models one after another in PyTorch",
                "(environment/bench/reference_train.py, Debian python3-torch) with the",
                "same thread count; prints both, their ratio, per-step time, GFLOP/s against",
                "the measured matmul peak, peak memory, and JSON. The reference's OpenBLAS gets",
                "as many threads as it and, where MKL's vendor check is lifted on an AVX-512",
                "CPU, its AVX-512 kernels (OPENBLAS_CORETYPE=SkylakeX), so that both sides",
                "run the machine's widest kernels (--reference-blas-core to choose)."})
final class BenchTrainCommand implements Callable<Integer> {
    @Option(names = "--data", description = "Dataset root (default: MER-SIM under data/mer-sim, generated if missing).")
    Path data;

    @Option(names = "--config", description = "Config to time (default: <home>/experiments/attention-hl-mr.json).")
    Path config;

    @Option(names = "--epochs", defaultValue = "8", description = "Epochs per fold (default: ${DEFAULT-VALUE}, the quick profile).")
    int epochs;

    @Option(names = "--seeds", defaultValue = "3", description = "Seeds 0..n-1, each a full CV (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--engine", defaultValue = "batched", description = "batched (default) or sequential.")
    String engine;

    @Option(names = "--no-reference", description = "Skip the PyTorch reference.")
    boolean noReference;

    @Option(names = "--reference-threads", description = "Threads of the PyTorch reference (default: merlab's). Debian's torch 1.13 is"
            + " fastest with 1 on this 2-core machine, so compare best with best as well as like with like.")
    Integer referenceThreads;

    @Option(names = "--reference-blas-core", description = "OpenBLAS kernel set of the PyTorch reference (OPENBLAS_CORETYPE, e.g."
            + " Haswell; default: SkylakeX where merlab runs MKL's AVX-512 kernels, else the environment's).")
    String referenceBlasCore;

    @Option(names = "--repeat", defaultValue = "1", description = "Time both sides this many times, in turn (merlab, PyTorch, merlab,"
            + " ...), and report every pair's ratio and the median: on a shared VM one run varies by 20 %% and more (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch (default: ${DEFAULT-VALUE}).")
    String python;

    @Override
    public Integer call() throws Exception {
        Path home = DatasetLocator.home();
        Path cfgFile = config == null ? home.resolve("experiments").resolve("attention-hl-mr.json") : config;
        ExperimentConfig c = ExperimentConfigs.read(cfgFile);
        if (c.isFusion()) throw new Main.UserError(cfgFile + ": time a single-model config, not a fusion");
        if (repeat < 1) throw new Main.UserError("--repeat " + repeat + ": give 1 or more runs");
        List<Long> seedList = new ArrayList<>();
        for (long s = 0; s < seeds; s++) seedList.add(s);
        c = c.withProtocol(c.protocol().withEpochsAndSeeds(epochs, seedList));
        System.setProperty("merlab.engine", engine);
        // a GPU needs a bigger product than a CPU core to reach its peak
        ai.djl.Device device = ComputeDevice.device();
        double peak = org.merlab.train.TrainingBench.matmulPeakGflops(device.isGpu() ? 8192 : 2048, 10);
        Path root = DatasetLocator.resolve(data, c.dataset()).toAbsolutePath().normalize();
        Map<String, Object> merlab = null;
        Map<String, Object> reference = null;
        List<Double> merlabCvs = new ArrayList<>();
        List<Double> referenceCvs = new ArrayList<>();
        // in turn, so that a machine that slows down or speeds up meanwhile touches both sides alike
        for (int run = 0; run < repeat; run++) {
            merlab = timeMerlab(c, cfgFile, root, device, peak);
            merlabCvs.add((Double) merlab.get("cv_seconds"));
            if (noReference) continue;
            reference = reference(home, root, referenceThreads != null ? referenceThreads : (Integer) merlab.get("threads"), device.isGpu());
            if (reference.containsKey("cv_seconds")) referenceCvs.add(((Number) reference.get("cv_seconds")).doubleValue());
        }
        double epochMedian = (Double) merlab.get("epoch_seconds_median");
        double cvSeconds = (Double) merlab.get("cv_seconds");
        long steps = (Long) merlab.get("steps");
        Long stackSteps = (Long) merlab.get("batched_steps");
        Integer stacks = (Integer) merlab.get("stacks_at_once");
        double gflops = (Double) merlab.get("gflops");
        double heapPeakMb = (Double) merlab.get("peak_heap_mb");
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("dataset", root.toString());
        all.put("cores", Runtime.getRuntime().availableProcessors());
        all.put("merlab", merlab);
        if (reference != null) all.put("pytorch_reference", reference);

        System.out.printf(Locale.ROOT, "%s on %s (%d cores), %s%s%n", c.name(), root, Runtime.getRuntime().availableProcessors(),
                merlab.get("device"), repeat > 1 ? "; the last of " + repeat + " runs in turn" : "");
        System.out.printf(Locale.ROOT, "%-22s %12s %12s %12s %12s%n", "", "epoch s", "all CVs s", "steps/s", "peak heap MB");
        System.out.printf(Locale.ROOT, "%-22s %12.3f %12.2f %12.1f %12.0f%n", "merlab (DJL)", epochMedian, cvSeconds, steps / cvSeconds,
                heapPeakMb);
        if (reference != null && reference.containsKey("cv_seconds")) {
            double refEpoch = ((Number) reference.get("epoch_seconds_median")).doubleValue();
            double refCv = ((Number) reference.get("cv_seconds")).doubleValue();
            System.out.printf(Locale.ROOT, "%-22s %12.3f %12.2f %12.1f %12s%n", "PyTorch " + reference.get("torch") + " x" + reference.get("threads"), refEpoch, refCv,
                    ((Number) reference.get("steps_per_second")).doubleValue(), "-");
            System.out.printf(Locale.ROOT, "ratio merlab / PyTorch: epoch %.2f, CV %.2f%n", epochMedian / refEpoch, cvSeconds / refCv);
            all.put("ratio_cv", cvSeconds / refCv);
            all.put("ratio_epoch", epochMedian / refEpoch);
            if (repeat > 1) repeats(all, merlabCvs, referenceCvs);
        } else if (reference != null) {
            System.out.println("PyTorch reference: " + reference.get("skipped"));
        }
        if (reference != null && reference.get("blas") != null) {
            System.out.printf(Locale.ROOT, "PyTorch reference's BLAS: %s%s, 2048² product %.0f GFLOP/s (merlab's: %s, %.0f)%n",
                    reference.get("blas"), reference.get("blas_core") == null ? "" : " (" + reference.get("blas_core") + " kernels)",
                    ((Number) reference.get("matmul_peak_gflops")).doubleValue(), merlab.get("matrix_kernels"), peak);
            if (ReferenceBlas.isReferenceImplementation(reference.get("blas").toString())) {
                System.out.println("warning: the PyTorch reference ran on the reference BLAS of Debian's libblas3, not an optimised one,"
                        + " so the ratio flatters merlab: install libopenblas0-pthread (apt-get install libopenblas0-pthread) and run again");
                all.put("reference_blas_optimised", false);
            } else {
                all.put("reference_blas_optimised", true);
            }
        }
        System.out.printf(Locale.ROOT, "%s engine, %d models (%d seeds x 5 folds): %.2f ms per model-step%s; %.1f GFLOP/s of a"
                        + " %.1f GFLOP/s matmul peak (%.0f %%); peak RSS %.0f MB%n", engine, merlab.get("models"), seeds,
                1e3 * cvSeconds / steps, stackSteps == null ? "" : String.format(Locale.ROOT, ", %.2f ms per batched step%s",
                        1e3 * (Double) merlab.get("seconds_per_batched_step"),
                        stacks > 1 ? " (" + stacks + " stacks at once, a thread each)" : ""), gflops, peak, 100 * gflops / peak, peakRssMb());
        if (merlab.get("gpu_memory_held_mb") != null) {
            System.out.printf(Locale.ROOT, "GPU memory held after training: %.0f MB%n", merlab.get("gpu_memory_held_mb"));
        }
        System.out.printf(Locale.ROOT, "CV weighted F1 %.4f, MSE %.4f (%d epochs per fold, %d seeds)%n",
                merlab.get("cv_weighted_f1"), merlab.get("cv_mse"), epochs, seeds);
        System.out.println(ExperimentConfigs.JSON.writeValueAsString(all));
        return 0;
    }

    /** Every pair's CV seconds and ratio, in the order they ran, and the median ratio, printed and put in the JSON. */
    private static void repeats(Map<String, Object> all, List<Double> merlabCvs, List<Double> referenceCvs) {
        List<Map<String, Object>> runs = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(merlabCvs.size(), referenceCvs.size()); i++) {
            double ratio = merlabCvs.get(i) / referenceCvs.get(i);
            ratios.add(ratio);
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("merlab_cv_seconds", merlabCvs.get(i));
            run.put("reference_cv_seconds", referenceCvs.get(i));
            run.put("ratio_cv", ratio);
            runs.add(run);
        }
        double median = median(ratios);
        all.put("runs", runs);
        all.put("ratio_cv_median", median);
        StringBuilder line = new StringBuilder();
        for (Map<String, Object> r : runs) {
            if (line.length() > 0) line.append(", ");
            line.append(String.format(Locale.ROOT, "%.2f (%.2f / %.2f s)", r.get("ratio_cv"), r.get("merlab_cv_seconds"), r.get("reference_cv_seconds")));
        }
        System.out.printf(Locale.ROOT, "CV ratio of each pair, in turn: %s; median %.2f%n", line, median);
    }

    /** The median (of an even count, the mean of the middle two), as Python's {@code statistics.median}: the reference's too. */
    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** One timed training of the config's models (SEEDS x 5 folds) by merlab: its figures, as in the JSON's "merlab". */
    private Map<String, Object> timeMerlab(ExperimentConfig c, Path cfgFile, Path root, ai.djl.Device device, double peak) throws IOException {
        Path out = Files.createTempDirectory("merlab-bench-train-");
        List<Double> epochSeconds = Collections.synchronizedList(new ArrayList<>());
        List<FoldResult> folds = Collections.synchronizedList(new ArrayList<>());
        RunListener l = new RunListener() {
            @Override
            public void onEpoch(String experiment, long seed, int fold, EpochStats stats) {
                epochSeconds.add(stats.seconds());
            }

            @Override
            public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                folds.add(r);
            }
        };
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
        ExperimentRunner.RunResult result;
        double optimizerBefore = org.merlab.train.TrainingBench.optimizerSeconds();
        long stackStepsBefore = org.merlab.train.TrainingBench.stackSteps();
        long t0 = System.nanoTime();
        try {
            result = ExperimentRunner.run(c, cfgFile.toAbsolutePath().getParent(),
                    new ExperimentRunner.Options(out, root, Profile.PAPER, true, l));
        } finally {
            SimWriter.deleteTree(out);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long heapPeak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) heapPeak += p.getPeakUsage().getUsed();
        }
        double cvSeconds = 0;
        long steps = 0;
        long evalRows = 0;
        int batch = c.protocol().batchSize();
        for (FoldResult f : folds) {
            cvSeconds += f.summary().seconds();
            long s = (long) f.summary().epochsRun() * ((f.summary().trainSamples() + batch - 1) / batch);
            steps += s;
            evalRows += (long) f.summary().epochsRun() * f.summary().heldOutSamples();
        }
        long macs = org.merlab.train.TrainingBench.macsPerSample(c, root);
        // counted by the engine, not derived from the folds: with K capped (-Dmerlab.batch.k) the models train in
        // several stacks, one after another, and a step of each is a batched step
        long stackSteps = org.merlab.train.TrainingBench.stackSteps() - stackStepsBefore;
        // training: forward + backward ≈ 3 forwards; held-out evaluation: one forward per epoch (tests ignored)
        double flops = 2.0 * macs * (3.0 * steps * batch + evalRows);
        double gflops = flops / cvSeconds / 1e9;
        double epochMedian = median(epochSeconds);
        int threads = ComputeDevice.threads();
        Map<String, Object> merlab = new LinkedHashMap<>();
        merlab.put("config", c.name());
        merlab.put("device", ComputeDevice.describe(device));
        merlab.put("threads", threads);
        merlab.put("speed_settings", ComputeDevice.speedSettings());
        merlab.put("matrix_kernels", MatrixKernels.describe(device));
        merlab.put("dropout_draws", org.merlab.train.TrainingBench.dropoutScheme(device));
        merlab.put("adam_update", engine.equals("sequential") ? "libtorch" : org.merlab.train.TrainingBench.adamScheme(device));
        merlab.put("epochs_per_fold", epochs);
        merlab.put("folds", folds.size());
        merlab.put("steps", steps);
        merlab.put("epoch_seconds_median", epochMedian);
        merlab.put("first_epoch_seconds", epochSeconds.get(0));
        merlab.put("cv_seconds", cvSeconds);
        merlab.put("steps_per_second", steps / cvSeconds);
        merlab.put("engine", engine);
        merlab.put("seeds", seeds);
        merlab.put("models", folds.size());
        merlab.put("batched_steps", engine.equals("sequential") ? null : stackSteps);
        // on the CPU the models train as several stacks at once, each on its own thread: a stack's step takes that
        // many times the wall time per step counted over all of them
        int stacks = engine.equals("sequential") ? 1 : org.merlab.train.TrainingBench.stacksAtOnce(device, threads, folds.size());
        merlab.put("stacks_at_once", engine.equals("sequential") ? null : stacks);
        merlab.put("seconds_per_batched_step", engine.equals("sequential") ? null : cvSeconds * stacks / stackSteps);
        merlab.put("seconds_per_model_step", cvSeconds / steps);
        // the Adam update's share of a batched step (measured around each update; memory-bound on the CPU)
        merlab.put("optimizer_seconds_per_batched_step",
                engine.equals("sequential") ? null : (org.merlab.train.TrainingBench.optimizerSeconds() - optimizerBefore) / stackSteps);
        merlab.put("macs_per_sample", macs);
        merlab.put("gflops", gflops);
        merlab.put("matmul_peak_gflops", peak);
        merlab.put("fraction_of_peak", gflops / peak);
        merlab.put("wall_seconds_with_loading", wall);
        merlab.put("peak_heap_mb", heapPeak / 1e6);
        merlab.put("peak_rss_mb", peakRssMb());
        merlab.put("gpu_memory_held_mb", gpuMemoryHeldMb(device));
        merlab.put("cv_weighted_f1", result.metrics().get("cv").mean().weightedF1());
        merlab.put("cv_mse", result.metrics().get("cv").mean().mse());

        return merlab;
    }

    private Map<String, Object> reference(Path home, Path root, int threads, boolean gpu) throws IOException, InterruptedException {
        Path script = home.resolve("environment").resolve("bench").resolve("reference_train.py");
        Map<String, Object> skipped = new LinkedHashMap<>();
        if (!Files.isRegularFile(script)) {
            skipped.put("skipped", "no " + script);
            return skipped;
        }
        // like with like: the reference trains on the GPU when merlab does
        String device = gpu ? "cuda" : "cpu";
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), "--data", root.toString(), "--epochs",
                Integer.toString(epochs), "--seeds", Integer.toString(seeds), "--threads", Integer.toString(Math.max(1, threads)),
                "--device", device);
        pb.redirectErrorStream(true);
        ReferenceBlas.settings(MatrixKernels.vendorCheckLifted(), ReferenceBlas.cpuFlags(), Math.max(1, threads),
                        referenceBlasCore, System.getenv())
                .forEach(pb.environment()::put);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            skipped.put("skipped", "cannot start " + python + ": " + e.getMessage());
            return skipped;
        }
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(1, TimeUnit.HOURS) || p.exitValue() != 0) {
            skipped.put("skipped", "reference failed: " + text.strip().lines().reduce((a, b) -> b).orElse(""));
            return skipped;
        }
        String last = text.strip().lines().reduce((a, b) -> b).orElse("{}");
        @SuppressWarnings("unchecked")
        Map<String, Object> r = ExperimentConfigs.JSON.readValue(last, LinkedHashMap.class);
        return r;
    }

    /**
     * GPU memory in use after training (total minus free, so libtorch's caching allocator's reserve, which keeps the
     * peak it reached, plus the CUDA context), or null on the CPU.
     */
    static Double gpuMemoryHeldMb(ai.djl.Device device) {
        if (!device.isGpu()) return null;
        try {
            java.lang.management.MemoryUsage u = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
            return u.getUsed() / 1e6;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Peak resident set (heap + native, libtorch included) from /proc, or -1 elsewhere. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
