package org.merlab.train;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToLongFunction;
import org.merlab.data.Emotion;
import org.merlab.data.FeatureName;
import org.merlab.data.LabelSet;
import org.merlab.data.MerDataset;
import org.merlab.data.Split;
import org.merlab.data.StratifiedKFold;
import org.merlab.experiment.ConfigException;
import org.merlab.experiment.DatasetLocator;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;
import org.merlab.experiment.Provenance;
import org.merlab.experiment.RunRecord;
import org.merlab.metrics.MerScore;
import org.merlab.model.DecisionFusion;
import org.merlab.model.Models;

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
 * independent configs at once on several threads ({@link #parallelism()}, for a GPU that small batches leave
 * idle): seeding and drawing from libtorch's generator are locked together ({@link GlobalGenerator}) and
 * autograd is per thread ({@link Autograd}), so the numbers are those of one config at a time. Interrupting
 * the calling thread stops training between batches with a {@link TrainingInterruptedException}; finished
 * folds stay on disk.
 */
public final class ExperimentRunner {
    private static final ReentrantLock TRAINING = new ReentrantLock();
    /** Grid resolution of {@code oof-grid} fusion weights: multiples of 1/10 summing to 1. */
    public static final int GRID_STEPS = 10;

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
            Context ctx = new Context();
            return config.isFusion() ? runFusion(config, configDir, options, ctx) : runSingle(config, options, true, ctx);
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
        for (ExperimentConfig m : members(config, configDir).values()) sum += plannedEpochs(m, configDir, profile);
        return sum;
    }

    /** Datasets opened during one call, shared by fusion members (and by configs training at once: thread-safe). */
    private static final class Context {
        final Map<Path, MerDataset> datasets = new HashMap<>();
        Device device;

        synchronized MerDataset open(Path root, RunListener l) {
            Path key = root.toAbsolutePath().normalize();
            return datasets.computeIfAbsent(key, k -> {
                if (k.equals(DatasetLocator.defaultSimRoot()) && !DatasetLocator.isSynthetic(k)) {
                    l.onMessage("generating the default MER-SIM in " + k + " (first use)");
                }
                return DatasetLocator.open(k, i -> {});
            });
        }

        synchronized Device device() {
            if (device == null) device = ComputeDevice.device();
            return device;
        }
    }

    // ---- one model ---------------------------------------------------------------------------

    /** One single-model config between finding its finished folds and writing its results. */
    private static final class Pending {
        final long t0 = System.nanoTime();
        int trained;
        int reused;
        ExperimentConfig resolved;
        Path root;
        MerDataset ds;
        ResultStore store;
        ObjectNode identity; // the resolved config and dataset, as in run.json
        final Map<Long, FoldResult[]> bySeed = new LinkedHashMap<>();
        final List<BatchedTrainer.Job> jobs = new ArrayList<>();
    }

    private static RunResult runSingle(ExperimentConfig config, Options o, boolean top, Context ctx) {
        Pending pd = prepare(config, o, top, ctx);
        if (!pd.jobs.isEmpty()) {
            try (DeviceData data = DeviceData.load(pd.resolved, pd.ds, ctx.device())) {
                BatchedTrainer.train(List.of(pd.resolved), List.of(data), pd.resolved.protocol().folds(), pd.jobs,
                        checkpointPlace(List.of(pd)), o.listener(), r -> finishedFold(pd, r, o.listener(), ctx));
            }
        }
        return finish(pd, o, ctx);
    }

    /**
     * Resolves the config, opens its results folder, reads back finished folds, and either trains the missing
     * (seed, fold) pairs one after another ({@code -Dmerlab.engine=sequential}) or leaves them in {@code jobs}
     * for the batched engine.
     */
    private static Pending prepare(ExperimentConfig config, Options o, boolean top, Context ctx) {
        Pending pd = new Pending();
        ExperimentConfig resolved = o.profile().apply(config);
        pd.resolved = resolved;
        ExperimentConfig.Protocol p = resolved.protocol();
        Path root = DatasetLocator.resolve(o.data(), config.dataset()).toAbsolutePath().normalize();
        pd.root = root;
        RunListener l = o.listener();
        if (top) l.onPlan((long) p.seeds().size() * p.folds() * p.epochs());
        MerDataset ds = ctx.open(root, l);
        pd.ds = ds;
        ResultStore store = ResultStore.of(o.out(), resolved.name(), o.profile().id());
        pd.store = store;
        pd.identity = ResultStore.identity(resolved, root, null);
        store.prepare(pd.identity, o.force());
        if (o.force()) StackCheckpoint.deleteAll(store.dir().resolve(StackCheckpoint.DIR));

        LabelSet train = ds.labels(Split.TRAIN);
        int[] classes = train.classes();
        Map<String, List<String>> testNames = new LinkedHashMap<>();
        for (Split s : DeviceData.TEST_SPLITS) if (ds.hasSplit(s)) testNames.put(s.id(), ds.labels(s).names());

        DeviceData data = null;
        try {
            boolean batched = BatchedTrainer.enabled();
            for (long seed : p.seeds()) {
                StratifiedKFold kf = new StratifiedKFold(classes, Emotion.COUNT, p.folds(), seed);
                FoldResult[] folds = new FoldResult[p.folds()];
                pd.bySeed.put(seed, folds);
                for (int fold = 0; fold < p.folds(); fold++) {
                    int[] held = kf.heldOut(fold);
                    List<String> heldNames = new ArrayList<>(held.length);
                    for (int r : held) heldNames.add(train.names().get(r));
                    Optional<FoldResult> done = store.readFold(seed, fold, heldNames, testNames);
                    if (done.isPresent()) {
                        folds[fold] = done.get();
                        pd.reused++;
                        l.onFoldEnd(resolved.name(), seed, fold, done.get(), true);
                    } else if (batched) {
                        pd.jobs.add(new BatchedTrainer.Job(seed, fold, kf.training(fold), held));
                    } else {
                        if (data == null) data = DeviceData.load(resolved, ds, ctx.device());
                        FoldResult r = FoldTrainer.train(resolved, data, seed, fold, p.folds(), kf.training(fold), held, l);
                        finishedFold(pd, r, l, ctx);
                    }
                }
            }
        } finally {
            if (data != null) data.close();
        }
        return pd;
    }

    private static void finishedFold(Pending pd, FoldResult r, RunListener l, Context ctx) {
        pd.store.writeFold(r);
        pd.trained++;
        l.onFoldEnd(pd.resolved.name(), r.summary().seed(), r.summary().fold(), r, false);
        pd.bySeed.get(r.summary().seed())[r.summary().fold()] = r;
    }

    /** Per-seed and over-seed metrics, seed files, submissions and metrics.json of a config whose folds are all done. */
    private static RunResult finish(Pending pd, Options o, Context ctx) {
        ExperimentConfig resolved = pd.resolved;
        ResultStore store = pd.store;
        Path root = pd.root;
        List<SeedResult> seeds = new ArrayList<>();
        for (Map.Entry<Long, FoldResult[]> e : pd.bySeed.entrySet()) seeds.add(aggregate(e.getKey(), List.of(e.getValue())));
        Map<String, SplitSummary> metrics = summarise(seeds);
        String device = ComputeDevice.describe(ctx.device());
        Provenance prov = Provenance.capture(DatasetLocator.home(), device);
        for (SeedResult s : seeds) writeSeed(store, resolved, o.profile(), root, prov, s, false);
        writeEnsembleSubmissions(store, seeds);
        double secs = (System.nanoTime() - pd.t0) / 1e9;
        Map<String, Object> runtime = runtime(ctx.device(), device, pd.trained, pd.reused, secs, trainingSeconds(seeds));
        writeMetrics(store, resolved, o.profile(), root, metrics, null, null, runtime, prov);
        return new RunResult(resolved.name(), false, store.dir(), metrics, seeds, pd.trained, pd.reused, secs, null);
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
            Context ctx = new Context();
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
            int parallel = Math.min(parallelism(), (int) all.stream().filter(g -> !configs.get(g.get(0)).isFusion()).count());
            trainingAtOnce = Math.max(1, parallel);
            if (parallel <= 1 || !BatchedTrainer.enabled()) {
                for (List<Integer> members : all) runGroup(members, configs, configDirs, quiet, ctx, out);
            } else {
                // independent configs at once (each its own stack), costliest first; fusions after them, reusing their members
                List<List<Integer>> trainable = all.stream().filter(g -> !configs.get(g.get(0)).isFusion()).toList();
                trainable = costliestFirst(trainable, i -> trainingCost(configs.get(i), options.profile()));
                Concurrently.run(trainable, parallel, "merlab-train", g -> runGroup(g, configs, configDirs, quiet, ctx, out));
                for (List<Integer> members : all) {
                    if (configs.get(members.get(0)).isFusion()) runGroup(members, configs, configDirs, quiet, ctx, out);
                }
            }
            repeats.forEach((i, first) -> out[i] = out[first]);
            return List.of(out);
        } finally {
            trainingAtOnce = 1;
            TRAINING.unlock();
        }
    }

    /**
     * The order in which {@link #runAll} starts independent groups on its threads: the costliest first (longest
     * processing time first), so that the groups started last are short and the threads finish close together, instead
     * of one long config training alone at the end while the others' threads idle. A group's cost is the sum of its
     * configs' {@link #trainingCost}; ties keep the given order. Only the start order changes: every model's numbers are
     * those of one config at a time (see {@link Concurrently}), and results come back in the order given.
     */
    static List<List<Integer>> costliestFirst(List<List<Integer>> groups, ToLongFunction<Integer> cost) {
        long[] costs = new long[groups.size()];
        for (int g = 0; g < groups.size(); g++) for (int i : groups.get(g)) costs[g] += cost.applyAsLong(i);
        Integer[] order = new Integer[groups.size()];
        for (int g = 0; g < order.length; g++) order[g] = g;
        Arrays.sort(order, (a, b) -> Long.compare(costs[b], costs[a])); // stable: ties keep their order
        List<List<Integer>> out = new ArrayList<>();
        for (int g : order) out.add(groups.get(g));
        return out;
    }

    /**
     * A config's training cost for ordering, in no unit: its planned model-epochs (seeds × folds × epochs under the
     * profile) times its model's parameter arrays. On a GPU a batched step costs about its libtorch calls, which grow
     * with the arrays (forward, backward and update per array) and not with the width (third GPU lease: {@code hl}, 8
     * arrays, 23.5 s; {@code s1-joint-uncertainty}, 40 arrays, 63.1 s; docs/benchmarks.md); a sweep's many models add
     * their epochs. The arrays are counted on the model built for inputs of width 1, which has the real model's arrays.
     * A decision fusion trains nothing itself: 0. A model that cannot be built so counts its model-epochs alone: the
     * order is a schedule, and never the reason a run fails (its training reports the real problem).
     */
    static long trainingCost(ExperimentConfig config, Profile profile) {
        if (config.isFusion()) return 0;
        long modelEpochs = plannedEpochs(config, null, profile);
        long[][] widths = new long[config.features().size()][];
        for (int g = 0; g < widths.length; g++) {
            widths[g] = new long[config.features().get(g).size()];
            Arrays.fill(widths[g], 1);
        }
        try {
            return modelEpochs * Models.build(FoldTrainer.spec(config, widths, new float[Models.NUM_CLASSES])).getParameters().size();
        } catch (RuntimeException e) {
            return modelEpochs;
        }
    }

    /** Configs trained at once by {@link #runAll} ({@link #parallelism()}). */
    public static final String PARALLEL_PROPERTY = "merlab.parallel";

    /** How many configs the running call trains at once (1 outside {@link #runAll}): each stack's share of memory. */
    private static volatile int trainingAtOnce = 1;

    static int trainingAtOnce() {
        return trainingAtOnce;
    }

    /**
     * How many independent configs (or sweep groups) train at once: {@value #PARALLEL_PROPERTY}, else the environment's
     * {@code MERLAB_PARALLEL} (how notebooks get it), else the training device's default ({@link #defaultParallelism}).
     */
    public static int parallelism() {
        String env = System.getenv("MERLAB_PARALLEL");
        String set = System.getProperty(PARALLEL_PROPERTY, env == null || env.isBlank() ? null : env);
        return set == null ? defaultParallelism(ComputeDevice.device())
                : WholeNumberProperty.atLeastOne(PARALLEL_PROPERTY, set.trim(), " (or MERLAB_PARALLEL)");
    }

    /**
     * 4 on a GPU, 1 on the CPU. A GPU runs one config's small kernels with most of it idle (an S1 config alone kept an
     * H200 27 % busy); since steps stopped copying their batch from Java, four configs at once fill it better (48 %),
     * and the 43 configs of the {@code paper} profile took 11.0 min instead of a projected 17-18 (docs/benchmarks.md,
     * "GPU, third lease"; 8 at once gained nothing in an earlier lease, when every step waited for the device several
     * times). On a CPU one config's stacks already share the cores, one per libtorch thread ({@link CpuStacks}); two
     * configs at once, one thread each, made the whole {@code default} reproduction 19 % slower on 2 cores when each
     * config was one stack (docs/benchmarks.md, "Trainings at once on the CPU").
     */
    static int defaultParallelism(Device device) {
        return device.isGpu() ? 4 : 1;
    }



    /**
     * Where a batched training of these configs saves its stack: the first config's results folder (the same on a
     * rerun of the same command, whichever of them still has folds to train), with every config's identity.
     */
    private static StackCheckpoint.Place checkpointPlace(List<Pending> members) {
        Map<String, String> identities = new LinkedHashMap<>();
        for (Pending pd : members) identities.put(pd.resolved.name(), pd.identity.toString());
        return new StackCheckpoint.Place(members.get(0).store.dir().resolve(StackCheckpoint.DIR), identities);
    }

    /** One group of {@link #runAll}: a single config or fusion, or configs batched as one sweep. */
    private static void runGroup(List<Integer> members, List<ExperimentConfig> configs, List<Path> configDirs, Options quiet,
                                 Context ctx, RunResult[] out) {
        if (members.size() == 1) {
            int i = members.get(0);
            ExperimentConfig c = configs.get(i);
            out[i] = c.isFusion() ? runFusion(c, configDirs.get(i), quiet, ctx)
                    : runSingle(c, quiet, false, ctx);
            return;
        }
        List<Pending> pending = new ArrayList<>();
        for (int i : members) pending.add(prepare(configs.get(i), quiet, false, ctx));
        List<ExperimentConfig> resolved = new ArrayList<>();
        List<DeviceData> sources = new ArrayList<>();
        List<BatchedTrainer.Job> jobs = new ArrayList<>();
        Map<Integer, Pending> bySource = new HashMap<>();
        try {
            for (Pending pd : pending) {
                if (pd.jobs.isEmpty()) continue;
                int src = sources.size();
                sources.add(DeviceData.load(pd.resolved, pd.ds, ctx.device()));
                resolved.add(pd.resolved);
                bySource.put(src, pd);
                for (BatchedTrainer.Job j : pd.jobs) {
                    jobs.add(new BatchedTrainer.Job(j.seed(), j.fold(), j.trainRows(), j.heldRows(), src));
                }
            }
            if (!jobs.isEmpty()) {
                int folds = resolved.get(0).protocol().folds();
                Map<String, Integer> sourceOf = new HashMap<>();
                for (int s = 0; s < resolved.size(); s++) sourceOf.put(resolved.get(s).name(), s);
                BatchedTrainer.train(resolved, sources, folds, jobs, checkpointPlace(pending), quiet.listener(),
                        r -> finishedFold(bySource.get(sourceOf.get(r.summary().experiment())), r, quiet.listener(), ctx));
            }
        } finally {
            for (DeviceData d : sources) d.close();
        }
        for (int m = 0; m < members.size(); m++) out[members.get(m)] = finish(pending.get(m), quiet, ctx);
    }

    /**
     * Configs with the same key train together: everything but name, description and the (single) feature equal,
     * the same dataset, and one feature each.
     */
    private static String sweepKey(ExperimentConfig c, Options o) {
        ExperimentConfig resolved = o.profile().apply(c);
        List<List<FeatureName>> f = resolved.featureNames();
        if (f.size() != 1 || f.get(0).size() != 1) return "#single:" + c.name();
        com.fasterxml.jackson.databind.node.ObjectNode tree = ExperimentConfigs.JSON.valueToTree(resolved);
        tree.remove("name");
        tree.remove("description");
        tree.remove("features");
        Path root = DatasetLocator.resolve(o.data(), c.dataset()).toAbsolutePath().normalize();
        FeatureName fn = f.get(0).get(0);
        // Plain HuBERT layers share a width and batch together; a derived feature (its own width) trains alone.
        return root + "|" + (fn.isAudio() && !fn.isDerived() ? "audio" : fn.directory()) + "|" + tree;
    }

    /** The per-seed figures of method.md from its folds. */
    static SeedResult aggregate(long seed, List<FoldResult> folds) {
        double f1 = 0;
        double acc = 0;
        double mse = 0;
        for (FoldResult f : folds) {
            Score s = f.summary().heldOut();
            f1 += Score.value(s.weightedF1());
            acc += Score.value(s.accuracy());
            mse += Score.value(s.mse());
        }
        int k = folds.size();
        Score cv = Score.combine(f1 / k, acc / k, mse / k);
        Map<String, SplitPredictions> tests = new LinkedHashMap<>();
        Map<String, MerScore> scores = new LinkedHashMap<>();
        for (String split : folds.get(0).tests().keySet()) {
            List<SplitPredictions> parts = new ArrayList<>();
            for (FoldResult f : folds) parts.add(f.tests().get(split));
            SplitPredictions mean = SplitPredictions.meanOf(parts);
            tests.put(split, mean);
            scores.put(split, mean.score());
        }
        return new SeedResult(seed, folds, cv, tests, scores);
    }

    private static Map<String, SplitSummary> summarise(List<SeedResult> seeds) {
        Map<String, SplitSummary> out = new LinkedHashMap<>();
        List<Long> ids = seeds.stream().map(SeedResult::seed).toList();
        out.put("cv", SplitSummary.of(ids, seeds.stream().map(SeedResult::cv).toList(), null));
        for (String split : seeds.get(0).tests().keySet()) {
            List<Score> scores = seeds.stream().map(s -> Score.of(s.testScores().get(split))).toList();
            out.put(split, SplitSummary.of(ids, scores, Score.of(ensemble(seeds, split).score())));
        }
        return out;
    }

    /** Mean over seeds of the test scores (logits, or probabilities for a fusion) and valences. */
    private static SplitPredictions ensemble(List<SeedResult> seeds, String split) {
        List<DecisionFusion.Prediction> preds = seeds.stream().map(s -> s.prediction(split)).toList();
        DecisionFusion.Prediction mean = DecisionFusion.meanOverFolds(preds);
        return seeds.get(0).tests().get(split).with(mean.scores(), mean.valence());
    }

    /** seed.json, and per test split the submission and the class probabilities ({@code probabilities}: scores already are). */
    private static void writeSeed(ResultStore store, ExperimentConfig resolved, Profile profile, Path root, Provenance prov,
                                  SeedResult s, boolean probabilities) {
        Map<String, Map<String, Object>> metrics = new LinkedHashMap<>();
        Map<String, Object> cv = new LinkedHashMap<>(ExperimentConfigs.JSON.convertValue(s.cv(), Map.class));
        List<Map<String, Object>> perFold = new ArrayList<>();
        for (FoldResult f : s.folds()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("fold", f.fold());
            row.put("best_epoch", f.summary().bestEpoch());
            row.put("epochs_run", f.summary().epochsRun());
            row.putAll(ExperimentConfigs.JSON.convertValue(f.summary().heldOut(), Map.class));
            perFold.add(row);
        }
        if (!perFold.isEmpty()) cv.put("folds", perFold);
        metrics.put("cv", cv);
        s.testScores().forEach((split, score) -> metrics.put(split, score.toMap()));
        RunRecord record = new RunRecord(resolved, s.seed(), profile.id(), root.toString(), prov, metrics);
        try {
            Files.createDirectories(store.seedDir(s.seed()));
            ResultStore.writeJson(store.seedDir(s.seed()).resolve("seed.json"), record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        s.tests().forEach((split, pred) -> {
            store.writeSubmission(store.seedDir(s.seed()).resolve("submission-" + split + ".csv"), pred.names(), pred.toPrediction());
            store.writeProbabilities(store.seedDir(s.seed()).resolve("predictions-" + split + ".csv"), pred, probabilities);
        });
    }

    private static void writeEnsembleSubmissions(ResultStore store, List<SeedResult> seeds) {
        for (String split : seeds.get(0).tests().keySet()) {
            SplitPredictions e = ensemble(seeds, split);
            store.writeSubmission(store.dir().resolve("submission-" + split + ".csv"), e.names(), e.toPrediction());
        }
    }

    /**
     * The training time of every fold of {@code seeds}, whichever call trained it: each fold file keeps the seconds of
     * the call that trained it, so a call that reuses finished folds still says what they cost (its own {@code seconds}
     * is then only loading and scoring).
     */
    static double trainingSeconds(List<SeedResult> seeds) {
        double sum = 0;
        for (SeedResult s : seeds) for (FoldResult f : s.folds()) sum += f.summary().seconds();
        return sum;
    }

    /**
     * metrics.json's {@code runtime}: where and how the numbers were made, {@code seconds} of this call (wall time, folds
     * reused included) and {@code training_seconds} of all its folds ({@link #trainingSeconds}).
     */
    private static Map<String, Object> runtime(Device on, String device, int trained, int reused, double secs,
                                               double trainingSecs) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("device", device);
        r.put("threads", ComputeDevice.threads());
        r.put("speed_settings", ComputeDevice.speedSettings());
        // numbers depend on these too: the engines' dropout streams differ, and so do the two Adam square roots
        boolean batched = BatchedTrainer.enabled();
        r.put("engine", batched ? "batched" : "sequential");
        r.put("adam_update", batched ? StackedAdam.describe(on) : "libtorch");
        r.put("dropout_draws", batched ? DropoutStreams.scheme(on) : "libtorch's dropout");
        r.put("matrix_kernels", MatrixKernels.describe(on));
        r.put("stacks_at_once", batched ? CpuStacks.describe(on, ComputeDevice.threads()) : "1");
        r.put("folds_trained", trained);
        r.put("folds_reused", reused);
        r.put("seconds", secs);
        r.put("training_seconds", trainingSecs);
        return r;
    }

    private static void writeMetrics(ResultStore store, ExperimentConfig resolved, Profile profile, Path root,
                                     Map<String, SplitSummary> metrics, Map<String, Object> fusion,
                                     Map<String, ExperimentConfig> members, Map<String, Object> runtime, Provenance prov) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", resolved.name());
        m.put("description", resolved.description());
        m.put("kind", fusion == null ? "single" : "fusion");
        m.put("profile", profile.id());
        m.put("epochs", resolved.protocol().epochs());
        m.put("folds", resolved.protocol().folds());
        m.put("seeds", metrics.get("cv").perSeed().stream().map(SplitSummary.SeedScore::seed).toList());
        Map<String, Object> dataset = new LinkedHashMap<>();
        dataset.put("path", root.toString());
        dataset.put("synthetic", DatasetLocator.isSynthetic(root));
        m.put("dataset", dataset);
        m.put("metrics", metrics);
        if (fusion != null) m.put("fusion", fusion);
        m.put("config", resolved);
        if (members != null) m.put("member_configs", members);
        m.put("runtime", runtime);
        m.put("provenance", prov);
        try {
            Files.createDirectories(store.dir());
            ResultStore.writeJson(store.metricsFile(), m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- decision-level fusion ---------------------------------------------------------------

    private static Map<Path, ExperimentConfig> members(ExperimentConfig fusion, Path configDir) {
        Map<Path, ExperimentConfig> out = new LinkedHashMap<>();
        Path base = configDir == null ? DatasetLocator.home() : configDir;
        for (int i = 0; i < fusion.fusion().members().size(); i++) {
            Path file = base.resolve(fusion.fusion().members().get(i)).normalize();
            ExperimentConfig c = ExperimentConfigs.read(file);
            if (c.isFusion()) {
                throw new ConfigException(file, "fusion", "a fusion member must be a single-model config", "list model configs as members");
            }
            out.put(file, c);
        }
        return out;
    }

    private static RunResult runFusion(ExperimentConfig fusion, Path configDir, Options o, Context ctx) {
        long t0 = System.nanoTime();
        Map<Path, ExperimentConfig> memberConfigs = members(fusion, configDir);
        RunListener l = o.listener();
        l.onPlan(plannedEpochs(fusion, configDir, o.profile()));
        // members use the fusion's dataset choice: --data, else the fusion config's dataset, else each member's own
        Path data = o.data() != null ? o.data()
                : fusion.dataset() != null ? DatasetLocator.resolve(null, fusion.dataset()) : null;
        Options memberOptions = new Options(o.out(), data, o.profile(), o.force(), l);
        List<RunResult> members = new ArrayList<>();
        Map<String, ExperimentConfig> resolvedMembers = new LinkedHashMap<>();
        for (ExperimentConfig c : memberConfigs.values()) {
            l.onMessage("member " + c.name());
            RunResult r = runSingle(c, memberOptions, false, ctx);
            members.add(r);
            resolvedMembers.put(c.name(), o.profile().apply(c));
        }
        Path root = DatasetLocator.resolve(data, memberConfigs.values().iterator().next().dataset()).toAbsolutePath().normalize();

        // seeds every member ran, in the first member's order
        List<Long> seeds = new ArrayList<>();
        for (SeedResult s : members.get(0).seeds()) {
            boolean all = members.stream().allMatch(m -> m.seeds().stream().anyMatch(x -> x.seed() == s.seed()));
            if (all) seeds.add(s.seed());
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException(fusion.name() + ": its members share no seed — give them the same protocol.seeds");
        }
        List<List<SeedResult>> bySeed = new ArrayList<>(); // seed -> member results
        for (long seed : seeds) {
            List<SeedResult> row = new ArrayList<>();
            for (RunResult m : members) row.add(m.seeds().stream().filter(x -> x.seed() == seed).findFirst().orElseThrow());
            bySeed.add(row);
        }
        double[] weights;
        boolean grid = "oof-grid".equals(fusion.fusion().weights());
        if (grid) {
            weights = null;
            double best = Double.NEGATIVE_INFINITY;
            for (double[] w : DecisionFusion.simplexGrid(members.size(), GRID_STEPS)) {
                double sum = 0;
                for (List<SeedResult> row : bySeed) sum += Score.value(fusedCv(row, w).combined());
                double c = sum / bySeed.size();
                if (weights == null || c > best) {
                    best = c;
                    weights = w;
                }
            }
        } else {
            weights = DecisionFusion.uniformWeights(members.size());
        }
        List<SeedResult> fused = new ArrayList<>();
        for (int i = 0; i < seeds.size(); i++) fused.add(fuseSeed(seeds.get(i), bySeed.get(i), weights));

        ExperimentConfig resolved = o.profile().apply(fusion);
        ResultStore store = ResultStore.of(o.out(), resolved.name(), o.profile().id());
        store.prepare(ResultStore.identity(resolved, root, resolvedMembers), true);
        Map<String, SplitSummary> metrics = summarise(fused);
        String device = ComputeDevice.describe(ctx.device());
        Provenance prov = Provenance.capture(DatasetLocator.home(), device);
        for (SeedResult s : fused) writeSeed(store, resolved, o.profile(), root, prov, s, true);
        writeEnsembleSubmissions(store, fused);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("members", new ArrayList<>(resolvedMembers.keySet()));
        info.put("member_results", members.stream().map(m -> m.dir().toString()).toList());
        info.put("weights_mode", fusion.fusion().weights());
        info.put("weights", weights);
        if (grid) info.put("grid_steps", GRID_STEPS);
        info.put("rule", "P = sum_s w_s softmax(mean-over-folds logits_s), v = sum_s w_s v_s; cv from the fused out-of-fold predictions"
                + (grid ? " (weights chosen on the same out-of-fold predictions: cv is optimistic)" : ""));
        int trained = members.stream().mapToInt(RunResult::foldsTrained).sum();
        int reused = members.stream().mapToInt(RunResult::foldsReused).sum();
        double secs = (System.nanoTime() - t0) / 1e9;
        double training = members.stream().mapToDouble(m -> trainingSeconds(m.seeds())).sum();
        writeMetrics(store, resolved, o.profile(), root, metrics, info, resolvedMembers,
                runtime(ctx.device(), device, trained, reused, secs, training), prov);
        return new RunResult(resolved.name(), true, store.dir(), metrics, fused, trained, reused, secs, weights);
    }

    /** Fused out-of-fold CV figure of one seed: per fold P = Σ w softmax(logits), v = Σ w v; then method.md's mean over folds. */
    static Score fusedCv(List<SeedResult> members, double[] w) {
        int k = members.get(0).folds().size();
        double f1 = 0;
        double acc = 0;
        double mse = 0;
        for (int fold = 0; fold < k; fold++) {
            SplitPredictions s = fusedHeldOut(members, fold, w);
            MerScore score = s.score();
            f1 += score.weightedF1();
            acc += score.accuracy();
            mse += score.mse();
        }
        return Score.combine(f1 / k, acc / k, mse / k);
    }

    private static SplitPredictions fusedHeldOut(List<SeedResult> members, int fold, double[] w) {
        List<DecisionFusion.Prediction> preds = new ArrayList<>();
        SplitPredictions first = members.get(0).folds().get(fold).heldOut();
        for (SeedResult m : members) {
            SplitPredictions h = m.folds().get(fold).heldOut();
            if (!h.names().equals(first.names())) {
                throw new IllegalStateException("fusion members hold out different samples in fold " + fold
                        + " (different dataset or folds?)");
            }
            preds.add(h.toPrediction());
        }
        DecisionFusion.Prediction p = DecisionFusion.acrossStructures(preds, w);
        return first.with(p.scores(), p.valence());
    }

    private static SeedResult fuseSeed(long seed, List<SeedResult> members, double[] w) {
        int k = members.get(0).folds().size();
        List<FoldResult> folds = new ArrayList<>();
        for (int fold = 0; fold < k; fold++) {
            SplitPredictions held = fusedHeldOut(members, fold, w);
            FoldSummary s = new FoldSummary("fusion", seed, fold, k, 0, held.size(), 0, 0, 0, false, Score.of(held.score()),
                    List.of(), Map.of(), null, null, 0, "");
            folds.add(new FoldResult(s, held, Map.of()));
        }
        Score cv = fusedCv(members, w);
        Map<String, SplitPredictions> tests = new LinkedHashMap<>();
        Map<String, MerScore> scores = new LinkedHashMap<>();
        for (String split : members.get(0).tests().keySet()) {
            List<DecisionFusion.Prediction> preds = members.stream().map(m -> m.prediction(split)).toList();
            DecisionFusion.Prediction p = DecisionFusion.acrossStructures(preds, w);
            SplitPredictions fusedSplit = members.get(0).tests().get(split).with(p.scores(), p.valence());
            tests.put(split, fusedSplit);
            scores.put(split, fusedSplit.score());
        }
        return new SeedResult(seed, folds, cv, tests, scores);
    }
}
