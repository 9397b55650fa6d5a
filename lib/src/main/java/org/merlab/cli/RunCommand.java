package org.merlab.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.merlab.experiment.DatasetLocator;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;
import org.merlab.train.EpochStats;
import org.merlab.train.ExperimentRunner;
import org.merlab.train.FoldResult;
import org.merlab.train.ResultStore;
import org.merlab.train.RunListener;
import org.merlab.train.Score;
import org.merlab.train.SplitSummary;
import org.merlab.train.TrainingInterruptedException;
import org.merlab.train.TrainingSchedule;
import org.merlab.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Train and evaluate one experiment config (experiments/*.json):",
                "per seed a 5-fold CV on train; test1/test2 predicted by the mean of",
                "the fold models; metrics.json and MER submission files written to",
                "OUT/<name>/<profile>/. Finished folds stay on disk: a rerun, or a run",
                "after Ctrl-C, resumes. A fusion config runs or reuses its members.",
                "Folds x seeds train as one batched computation (-Dmerlab.engine=sequential:",
                "one after another)."})
final class RunCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "CONFIG", description = {"Experiment config(s) (JSON). Several configs that differ",
            "only in the one feature they read (the layer sweep hl-L00..hl-L24) train together as one batch."})
    List<Path> configs;

    @Option(names = "--data", description = "Dataset root (default: the config's, else MERLAB_DATA, else MER-SIM under data/mer-sim).")
    Path data;

    @Option(names = "--out", description = "Results root (default: <home>/experiments/results).")
    Path out;

    @Option(names = "--profile", defaultValue = "default",
            description = "quick (5 epochs, 1 seed), default (10 epochs, 2 seeds) or paper (the config's protocol). Default: ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--force", description = "Delete this config's results for the profile and retrain (fusion: members too).")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar or notes; only the summary.")
    boolean quiet;

    @Option(names = "--parallel", description = "Independent configs trained at once, each its own batch (default: MERLAB_PARALLEL,"
            + " else 4 on a GPU and 1 on the CPU); results are the same as one at a time. On an H200, 4 at once trained the"
            + " 43 configs' paper profile in 11.0 min (docs/benchmarks.md).")
    Integer parallel;

    @Override
    public Integer call() {
        if (parallel != null) System.setProperty(TrainingSchedule.PARALLEL_PROPERTY, parallel.toString());
        Profile prof = Profile.parse(profile);
        Path config = configs.get(0);
        ExperimentConfig cfg = ExperimentConfigs.read(config);
        long total = 0;
        for (Path c : configs) {
            total += ExperimentRunner.plannedEpochs(ExperimentConfigs.read(c), c.toAbsolutePath().getParent(), prof);
        }
        AtomicLong done = new AtomicLong();
        AtomicInteger trained = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(1);
        Thread worker = Thread.currentThread();
        // Ctrl-C: interrupt training (it stops between batches; finished folds are on disk) and wait for it to wind down.
        Thread hook = new Thread(() -> {
            worker.interrupt();
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "merlab-run-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        List<ExperimentRunner.RunResult> results;
        String label = configs.size() == 1 ? cfg.name() : configs.size() + " configs";
        try (ProgressBar bar = new ProgressBar(label, total, "epochs", quiet)) {
            RunListener listener = new RunListener() {
                @Override
                public void onEpoch(String experiment, long seed, int fold, EpochStats stats) {
                    bar.update(done.incrementAndGet());
                }

                @Override
                public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                    int max = r.summary().epochsMax();
                    done.addAndGet(reused ? max : max - r.summary().epochsRun());
                    if (!reused) trained.incrementAndGet();
                    bar.update(done.get());
                }

                @Override
                public void onMessage(String message) {
                    if (!quiet) System.err.println(message);
                }
            };
            var options = new ExperimentRunner.Options(out, data, prof, force, listener);
            results = configs.size() == 1 ? List.of(ExperimentRunner.run(config, options))
                    : ExperimentRunner.runSweep(configs, options);
        } catch (TrainingInterruptedException e) {
            System.err.println();
            System.err.println("merlab run: interrupted; " + trained.get() + " fold(s) finished in this call are kept"
                    + " — run the same command again to resume");
            return 130;
        } catch (ResultStore.ResultsMismatchException e) {
            throw new Main.UserError(e.getMessage());
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: nothing to remove
            }
        }
        for (ExperimentRunner.RunResult result : results) printSummary(result, prof);
        return 0;
    }

    private static void printSummary(ExperimentRunner.RunResult r, Profile prof) {
        var cv = r.metrics().get("cv");
        int seeds = cv.perSeed().size();
        boolean sim = isSim(r);
        System.out.printf(Locale.ROOT, "%s (%s profile, %d seed%s%s)%s%n", r.name(), prof.id(), seeds, seeds == 1 ? "" : "s",
                r.fusion() ? ", decision fusion" : "", sim ? " — MER-SIM, synthetic data" : "");
        if (r.weights() != null) System.out.println("fusion weights: " + Arrays.toString(r.weights()));
        System.out.printf(Locale.ROOT, "%-6s %18s %18s %16s %16s%n", "split", "weighted F1 (%)", "accuracy (%)", "MSE", "combined");
        for (Map.Entry<String, SplitSummary> e : r.metrics().entrySet()) {
            Score m = e.getValue().mean();
            Score s = e.getValue().std();
            System.out.printf(Locale.ROOT, "%-6s %18s %18s %16s %16s%n", e.getKey(),
                    pm(m.weightedF1(), s.weightedF1(), 100, 2), pm(m.accuracy(), s.accuracy(), 100, 2),
                    pm(m.mse(), s.mse(), 1, 3), pm(m.combined(), s.combined(), 1, 4));
        }
        System.out.printf(Locale.ROOT, "%d fold(s) trained, %d reused, %.1f s; results in %s%n", r.foldsTrained(), r.foldsReused(),
                r.seconds(), r.dir());
    }

    private static boolean isSim(ExperimentRunner.RunResult r) {
        try {
            var node = ExperimentConfigs.JSON.readTree(r.metricsFile().toFile());
            return node.path("dataset").path("synthetic").asBoolean(false);
        } catch (java.io.IOException e) {
            return DatasetLocator.isSynthetic(DatasetLocator.defaultSimRoot());
        }
    }

    private static String pm(Double mean, Double std, double scale, int digits) {
        if (mean == null) return "n/a";
        String f = "%." + digits + "f ± %." + digits + "f";
        return String.format(Locale.ROOT, f, mean * scale, (std == null ? 0 : std) * scale);
    }
}
