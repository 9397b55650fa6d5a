package org.merlab.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.merlab.data.FeatureName;
import org.merlab.experiment.DatasetLocator;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;

/**
 * Runs an experiment config end to end: every seed's 5-fold cross-validation (resuming from
 * finished folds on disk), the per-seed and over-seed metrics, {@code metrics.json} and the MER
 * submission files; or, for a decision-fusion config, its members (run or reused) and their fusion.
 *
 * <pre>
 * RunResult r = ExperimentRunner.run(Path.of("experiments/attention-hl-mr.json"),
 *         new ExperimentRunner.Options(null, null, Profile.QUICK, false, RunListener.NONE));
 * r.metrics().get("cv").mean().weightedF1();
 * </pre>
 *
 * <p>Engine: the missing (seed, fold) models of a config are trained together as one batched computation
 * ({@link BatchedTrainer}: parameters stacked on a model axis, each model with its own data order, optimizer
 * state, best epoch and early stop); {@code -Dmerlab.engine=sequential} trains them one after another
 * ({@link FoldTrainer}). {@link #runSweep} also batches configs that differ only in the feature they read.
 *
 * <p>One call trains at a time per JVM; a second caller waits. Within a call, {@link #runAll} can train
 * independent configs at once on several threads ({@link TrainingSchedule#parallelism()}, for a GPU that small batches leave
 * idle): seeding and drawing from libtorch's generator are locked together ({@link GlobalGenerator}) and
 * autograd is per thread ({@link Autograd}), so the numbers are those of one config at a time. Interrupting
 * the calling thread stops training between batches with a {@link TrainingInterruptedException}; finished
 * folds stay on disk.
 *
 * <p>This class is the entry and the grouping of configs; the parts: {@link ConfigRun} (one single-model config, from
 * its finished folds to its files), {@link FusionRun} and {@link FusedSeeds} (a decision fusion), {@link OverSeeds} and
 * {@link ResultFiles} (the figures over seeds and the files that hold them), {@link TrainingSchedule} (configs at once).
 */
public final class ExperimentRunner {
    private static final ReentrantLock TRAINING = new ReentrantLock();

    private ExperimentRunner() {}

    /**
     * How to run.
     *
     * @param out      results root (null: {@code <home>/experiments/results})
     * @param data     dataset root overriding the config's (null: the config's, else MERLAB_DATA, else MER-SIM)
     * @param profile  quick, default or paper (null: default)
     * @param force    delete earlier results of this config and profile and retrain (fusion: members too)
     * @param listener progress callbacks (null: none)
     */
    public record Options(Path out, Path data, Profile profile, boolean force, RunListener listener) {
        public Options {
            out = out == null ? DatasetLocator.home().resolve("experiments").resolve("results") : out;
            profile = profile == null ? Profile.DEFAULT : profile;
            listener = listener == null ? RunListener.NONE : listener;
        }

        public static Options defaults() {
            return new Options(null, null, null, false, null);
        }
    }

    /**
     * What a run produced.
     *
     * @param name         experiment name
     * @param fusion       whether it is a decision-fusion system
     * @param dir          its results folder
     * @param metrics      per split ("cv", "test1", "test2"): mean, std and per-seed figures
     * @param seeds        per-seed results (fold predictions included)
     * @param foldsTrained folds trained by this call (members included)
     * @param foldsReused  folds read back from disk
     * @param seconds      wall time
     * @param weights      fusion weights (null for a single model)
     */
    public record RunResult(String name, boolean fusion, Path dir, Map<String, SplitSummary> metrics, List<SeedResult> seeds,
                            int foldsTrained, int foldsReused, double seconds, double[] weights) {
        public Path metricsFile() {
            return dir.resolve(ResultStore.METRICS_FILE);
        }
    }

    /** Reads and runs a config file (fusion members are resolved relative to its folder). */
    public static RunResult run(Path configFile, Options options) {
        ExperimentConfig config = ExperimentConfigs.read(configFile);
        return run(config, configFile.toAbsolutePath().getParent(), options);
    }

    /**
     * One training run at a time per JVM, and none beside the threads of an earlier one that was stopped before they
     * ended ({@link Concurrently#awaitEarlierThreads}); the device is configured first (it fixes the thread count before
     * the engine starts).
     */
    private static void lockTraining() {
        ComputeDevice.configure();
        try {
            TRAINING.lockInterruptibly();
        } catch (InterruptedException e) {
            throw new TrainingInterruptedException("interrupted while waiting for another training run");
        }
        try {
            Concurrently.awaitEarlierThreads();
        } catch (InterruptedException e) {
            TRAINING.unlock();
            throw new TrainingInterruptedException("interrupted while waiting for an earlier training's threads to end");
        }
    }

    /** Runs a config; {@code configDir} is where fusion member paths are resolved. */
    public static RunResult run(ExperimentConfig config, Path configDir, Options options) {
        lockTraining();
        try {
            RunContext ctx = new RunContext();
            return config.isFusion() ? FusionRun.run(config, configDir, options, ctx) : ConfigRun.run(config, options, true, ctx);
        } finally {
            TRAINING.unlock();
        }
    }

    /** Epochs a run of this config may take under a profile (seeds × folds × epochs; members summed for a fusion). */
    public static long plannedEpochs(ExperimentConfig config, Path configDir, Profile profile) {
        if (!config.isFusion()) {
            ExperimentConfig.Protocol p = profile.apply(config).protocol();
            return (long) p.seeds().size() * p.folds() * p.epochs();
        }
        long sum = 0;
        for (ExperimentConfig m : FusionRun.members(config, configDir).values()) sum += plannedEpochs(m, configDir, profile);
        return sum;
    }

    // ---- several configs: a layer sweep -------------------------------------------------------

    /**
     * Runs several configs. Single-model configs identical except for the one feature they read (e.g. the
     * 25 HuBERT layers of the layer sweep: same structure, widths, protocol and dataset) are trained together by the
     * batched engine, folds × seeds × configs as one computation; the rest run one by one as {@link #run(Path, Options)}.
     * Results land per config exactly as with {@code run}. Returns the results in the order given.
     */
    public static List<RunResult> runSweep(List<Path> configFiles, Options options) {
        List<ExperimentConfig> configs = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        for (Path f : configFiles) {
            configs.add(ExperimentConfigs.read(f));
            dirs.add(f.toAbsolutePath().getParent());
        }
        return runAll(configs, dirs, options);
    }

    /**
     * {@link #runSweep} for configs already read (a notebook's variants among them): config i's fusion members are
     * resolved in {@code configDirs.get(i)}.
     */
    public static List<RunResult> runAll(List<ExperimentConfig> configs, List<Path> configDirs, Options options) {
        if (configs.size() != configDirs.size()) throw new IllegalArgumentException(configs.size() + " configs, " + configDirs.size() + " folders");
        lockTraining();
        try {
            RunContext ctx = new RunContext();
            RunResult[] out = new RunResult[configs.size()];
            Map<String, List<Integer>> groups = new LinkedHashMap<>();
            Map<Integer, Integer> repeats = new HashMap<>(); // a config listed again: the first one's result
            Map<String, Integer> firstOf = new HashMap<>();
            for (int i = 0; i < configs.size(); i++) {
                ExperimentConfig c = configs.get(i);
                Integer first = firstOf.putIfAbsent(c.name(), i);
                if (first != null && configs.get(first).equals(c)) {
                    repeats.put(i, first);
                    continue;
                }
                String key = c.isFusion() || !BatchedTrainer.enabled() ? "#" + i : sweepKey(c, options);
                groups.computeIfAbsent(key, x -> new ArrayList<>()).add(i);
            }
            RunListener l = options.listener();
            long planned = 0;
            for (int i = 0; i < configs.size(); i++) {
                if (repeats.containsKey(i)) continue;
                planned += plannedEpochs(configs.get(i), configDirs.get(i), options.profile());
            }
            l.onPlan(planned);
            Options quiet = new Options(options.out(), options.data(), options.profile(), options.force(),
                    RunListener.synchronizedView(l)); // with -Dmerlab.parallel configs report from several threads
            List<List<Integer>> all = new ArrayList<>(groups.values());
            List<List<Integer>> trainable = all.stream().filter(g -> !configs.get(g.get(0)).isFusion()).toList();
            int parallel = Math.min(TrainingSchedule.parallelism(), trainable.size());
            TrainingSchedule.trainingAtOnce(parallel);
            if (parallel <= 1 || !BatchedTrainer.enabled()) {
                for (List<Integer> members : all) runGroup(members, configs, configDirs, quiet, ctx, out);
            } else {
                // independent configs at once (each its own stack), costliest first; fusions after them, reusing their members
                List<List<Integer>> order = TrainingSchedule.costliestFirst(trainable,
                        i -> TrainingSchedule.trainingCost(configs.get(i), options.profile()));
                Concurrently.run(order, parallel, "merlab-train", g -> runGroup(g, configs, configDirs, quiet, ctx, out));
                for (List<Integer> members : all) {
                    if (configs.get(members.get(0)).isFusion()) runGroup(members, configs, configDirs, quiet, ctx, out);
                }
            }
            repeats.forEach((i, first) -> out[i] = out[first]);
            return List.of(out);
        } finally {
            TrainingSchedule.trainingAtOnce(1);
            TRAINING.unlock();
        }
    }

    /** One group of {@link #runAll}: a single config or fusion, or configs batched as one sweep. */
    private static void runGroup(List<Integer> members, List<ExperimentConfig> configs, List<Path> configDirs, Options quiet,
                                 RunContext ctx, RunResult[] out) {
        if (members.size() == 1) {
            int i = members.get(0);
            ExperimentConfig c = configs.get(i);
            out[i] = c.isFusion() ? FusionRun.run(c, configDirs.get(i), quiet, ctx) : ConfigRun.run(c, quiet, false, ctx);
            return;
        }
        List<ConfigRun> pending = new ArrayList<>();
        for (int i : members) pending.add(ConfigRun.prepare(configs.get(i), quiet, false, ctx));
        List<ExperimentConfig> resolved = new ArrayList<>();
        List<DeviceData> sources = new ArrayList<>();
        List<BatchedTrainer.Job> jobs = new ArrayList<>();
        Map<Integer, ConfigRun> bySource = new HashMap<>();
        try {
            for (ConfigRun run : pending) {
                if (run.jobs.isEmpty()) continue;
                int src = sources.size();
                sources.add(DeviceData.load(run.resolved, run.ds, ctx.device()));
                resolved.add(run.resolved);
                bySource.put(src, run);
                for (BatchedTrainer.Job j : run.jobs) {
                    jobs.add(new BatchedTrainer.Job(j.seed(), j.fold(), j.trainRows(), j.heldRows(), src));
                }
            }
            if (!jobs.isEmpty()) {
                int folds = resolved.get(0).protocol().folds();
                Map<String, Integer> sourceOf = new HashMap<>();
                for (int s = 0; s < resolved.size(); s++) sourceOf.put(resolved.get(s).name(), s);
                BatchedTrainer.train(resolved, sources, folds, jobs, ConfigRun.checkpointPlace(pending), quiet.listener(),
                        r -> bySource.get(sourceOf.get(r.summary().experiment())).foldFinished(r, quiet.listener()));
            }
        } finally {
            for (DeviceData d : sources) d.close();
        }
        for (int m = 0; m < members.size(); m++) out[members.get(m)] = pending.get(m).finish(quiet, ctx);
    }

    /**
     * Configs with the same key train together: everything but name, description and the (single) feature equal,
     * the same dataset, and one feature each.
     */
    private static String sweepKey(ExperimentConfig c, Options o) {
        ExperimentConfig resolved = o.profile().apply(c);
        List<List<FeatureName>> f = resolved.featureNames();
        if (f.size() != 1 || f.get(0).size() != 1) return "#single:" + c.name();
        ObjectNode tree = ExperimentConfigs.JSON.valueToTree(resolved);
        tree.remove("name");
        tree.remove("description");
        tree.remove("features");
        Path root = DatasetLocator.resolve(o.data(), c.dataset()).toAbsolutePath().normalize();
        FeatureName fn = f.get(0).get(0);
        // Plain HuBERT layers share a width and batch together; a derived feature (its own width) trains alone.
        return root + "|" + (fn.isAudio() && !fn.isDerived() ? "audio" : fn.directory()) + "|" + tree;
    }
}
