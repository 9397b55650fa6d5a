package org.merlab.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.merlab.data.Emotion;
import org.merlab.data.LabelSet;
import org.merlab.data.MerDataset;
import org.merlab.data.Split;
import org.merlab.data.StratifiedKFold;
import org.merlab.experiment.DatasetLocator;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.Provenance;
import org.merlab.train.ExperimentRunner.Options;
import org.merlab.train.ExperimentRunner.RunResult;

/**
 * One single-model config between finding its finished folds and writing its results: {@link #prepare} opens its results
 * folder and reads back the folds a call finished, the batched engine trains its {@link #jobs} (alone, or with a sweep's
 * other configs), every fold it finishes is written at once ({@link #foldFinished}), and {@link #finish} writes the
 * per-seed and over-seed files.
 */
final class ConfigRun {
    private final long t0; // from the start of prepare: opening the dataset (or generating MER-SIM) counts
    final ExperimentConfig resolved;
    final MerDataset ds;
    private final Path root;
    private final ResultStore store;
    private final ObjectNode identity; // the resolved config and dataset, as in run.json
    /** The (seed, fold) models still to train, for the batched engine. */
    final List<BatchedTrainer.Job> jobs = new ArrayList<>();
    private final Map<Long, FoldResult[]> bySeed = new LinkedHashMap<>();
    private int trained;
    private int reused;

    private ConfigRun(long t0, ExperimentConfig resolved, Path root, MerDataset ds, ResultStore store, ObjectNode identity) {
        this.t0 = t0;
        this.resolved = resolved;
        this.root = root;
        this.ds = ds;
        this.store = store;
        this.identity = identity;
    }

    /** Prepares, trains and finishes a single-model config; {@code top}: the call's only config (it reports the plan). */
    static RunResult run(ExperimentConfig config, Options o, boolean top, RunContext ctx) {
        ConfigRun run = prepare(config, o, top, ctx);
        if (!run.jobs.isEmpty()) {
            try (DeviceData data = DeviceData.load(run.resolved, run.ds, ctx.device())) {
                BatchedTrainer.train(List.of(run.resolved), List.of(data), run.resolved.protocol().folds(), run.jobs,
                        checkpointPlace(List.of(run)), o.listener(), r -> run.foldFinished(r, o.listener()));
            }
        }
        return run.finish(o, ctx);
    }

    /**
     * Resolves the config, opens its results folder, reads back finished folds, and either trains the missing
     * (seed, fold) pairs one after another ({@code -Dmerlab.engine=sequential}) or leaves them in {@code jobs}
     * for the batched engine.
     */
    static ConfigRun prepare(ExperimentConfig config, Options o, boolean top, RunContext ctx) {
        long t0 = System.nanoTime();
        ExperimentConfig resolved = o.profile().apply(config);
        ExperimentConfig.Protocol p = resolved.protocol();
        Path root = DatasetLocator.resolve(o.data(), config.dataset()).toAbsolutePath().normalize();
        RunListener l = o.listener();
        if (top) l.onPlan((long) p.seeds().size() * p.folds() * p.epochs());
        MerDataset ds = ctx.open(root, l);
        ResultStore store = ResultStore.of(o.out(), resolved.name(), o.profile().id());
        ConfigRun run = new ConfigRun(t0, resolved, root, ds, store, ResultStore.identity(resolved, root, null));
        store.prepare(run.identity, o.force());
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
                run.bySeed.put(seed, folds);
                for (int fold = 0; fold < p.folds(); fold++) {
                    int[] held = kf.heldOut(fold);
                    List<String> heldNames = new ArrayList<>(held.length);
                    for (int r : held) heldNames.add(train.names().get(r));
                    Optional<FoldResult> done = store.readFold(seed, fold, heldNames, testNames);
                    if (done.isPresent()) {
                        folds[fold] = done.get();
                        run.reused++;
                        l.onFoldEnd(resolved.name(), seed, fold, done.get(), true);
                    } else if (batched) {
                        run.jobs.add(new BatchedTrainer.Job(seed, fold, kf.training(fold), held));
                    } else {
                        if (data == null) data = DeviceData.load(resolved, ds, ctx.device());
                        FoldResult r = FoldTrainer.train(resolved, data, seed, fold, p.folds(), kf.training(fold), held, l);
                        run.foldFinished(r, l);
                    }
                }
            }
        } finally {
            if (data != null) data.close();
        }
        return run;
    }

    /** Writes a fold the moment it is trained, so that a stopped call keeps it. */
    void foldFinished(FoldResult r, RunListener l) {
        store.writeFold(r);
        trained++;
        l.onFoldEnd(resolved.name(), r.summary().seed(), r.summary().fold(), r, false);
        bySeed.get(r.summary().seed())[r.summary().fold()] = r;
    }

    /** Per-seed and over-seed metrics, seed files, submissions and metrics.json of a config whose folds are all done. */
    RunResult finish(Options o, RunContext ctx) {
        List<SeedResult> seeds = new ArrayList<>();
        for (Map.Entry<Long, FoldResult[]> e : bySeed.entrySet()) seeds.add(SeedResult.of(e.getKey(), List.of(e.getValue())));
        Map<String, SplitSummary> metrics = OverSeeds.metrics(seeds);
        String device = ComputeDevice.describe(ctx.device());
        ResultFiles files = new ResultFiles(store, resolved, o.profile(), root, Provenance.capture(DatasetLocator.home(), device));
        for (SeedResult s : seeds) files.seed(s, false);
        files.ensembleSubmissions(seeds);
        double secs = (System.nanoTime() - t0) / 1e9;
        files.metrics(metrics, null, null,
                ResultFiles.runtime(ctx.device(), device, trained, reused, secs, OverSeeds.trainingSeconds(seeds)));
        return new RunResult(resolved.name(), false, store.dir(), metrics, seeds, trained, reused, secs, null);
    }

    /**
     * Where a batched training of these configs saves its stack: the first config's results folder (the same on a
     * rerun of the same command, whichever of them still has folds to train), with every config's identity.
     */
    static StackCheckpoint.Place checkpointPlace(List<ConfigRun> runs) {
        Map<String, String> identities = new LinkedHashMap<>();
        for (ConfigRun run : runs) identities.put(run.resolved.name(), run.identity.toString());
        return new StackCheckpoint.Place(runs.get(0).store.dir().resolve(StackCheckpoint.DIR), identities);
    }
}
