package org.merlab.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.merlab.experiment.ConfigException;
import org.merlab.experiment.DatasetLocator;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Provenance;
import org.merlab.train.ExperimentRunner.Options;
import org.merlab.train.ExperimentRunner.RunResult;

/**
 * A decision-fusion config: its member configs are run (or their finished folds reused), the seeds they all ran are
 * fused ({@link FusedSeeds}), and the fusion's results are written like a single model's, with its weights and members.
 */
final class FusionRun {
    private FusionRun() {}

    /** The member configs of a fusion, by file; {@code configDir} is where their paths are resolved (null: merlab's home). */
    static Map<Path, ExperimentConfig> members(ExperimentConfig fusion, Path configDir) {
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

    static RunResult run(ExperimentConfig fusion, Path configDir, Options o, RunContext ctx) {
        long t0 = System.nanoTime();
        Map<Path, ExperimentConfig> memberConfigs = members(fusion, configDir);
        RunListener l = o.listener();
        l.onPlan(ExperimentRunner.plannedEpochs(fusion, configDir, o.profile()));
        // members use the fusion's dataset choice: --data, else the fusion config's dataset, else each member's own
        Path data = o.data() != null ? o.data()
                : fusion.dataset() != null ? DatasetLocator.resolve(null, fusion.dataset()) : null;
        Options memberOptions = new Options(o.out(), data, o.profile(), o.force(), l);
        List<RunResult> members = new ArrayList<>();
        Map<String, ExperimentConfig> resolvedMembers = new LinkedHashMap<>();
        for (ExperimentConfig c : memberConfigs.values()) {
            l.onMessage("member " + c.name());
            members.add(ConfigRun.run(c, memberOptions, false, ctx));
            resolvedMembers.put(c.name(), o.profile().apply(c));
        }
        Path root = DatasetLocator.resolve(data, memberConfigs.values().iterator().next().dataset()).toAbsolutePath().normalize();

        List<Long> seeds = sharedSeeds(fusion, members);
        List<List<SeedResult>> bySeed = new ArrayList<>(); // seed -> member results
        for (long seed : seeds) {
            List<SeedResult> row = new ArrayList<>();
            for (RunResult m : members) row.add(m.seeds().stream().filter(x -> x.seed() == seed).findFirst().orElseThrow());
            bySeed.add(row);
        }
        String mode = fusion.fusion().weights();
        double[] weights = FusedSeeds.weights(mode, bySeed, members.size());
        List<SeedResult> fused = new ArrayList<>();
        for (int i = 0; i < seeds.size(); i++) fused.add(FusedSeeds.fuse(seeds.get(i), bySeed.get(i), weights));

        ExperimentConfig resolved = o.profile().apply(fusion);
        ResultStore store = ResultStore.of(o.out(), resolved.name(), o.profile().id());
        store.prepare(ResultStore.identity(resolved, root, resolvedMembers), true);
        Map<String, SplitSummary> metrics = OverSeeds.metrics(fused);
        String device = ComputeDevice.describe(ctx.device());
        ResultFiles files = new ResultFiles(store, resolved, o.profile(), root, Provenance.capture(DatasetLocator.home(), device));
        for (SeedResult s : fused) files.seed(s, true);
        files.ensembleSubmissions(fused);
        boolean grid = "oof-grid".equals(mode);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("members", new ArrayList<>(resolvedMembers.keySet()));
        info.put("member_results", members.stream().map(m -> m.dir().toString()).toList());
        info.put("weights_mode", mode);
        info.put("weights", weights);
        if (grid) info.put("grid_steps", FusedSeeds.GRID_STEPS);
        info.put("rule", "P = sum_s w_s softmax(mean-over-folds logits_s), v = sum_s w_s v_s; cv from the fused out-of-fold predictions"
                + (grid ? " (weights chosen on the same out-of-fold predictions: cv is optimistic)" : ""));
        int trained = members.stream().mapToInt(RunResult::foldsTrained).sum();
        int reused = members.stream().mapToInt(RunResult::foldsReused).sum();
        double secs = (System.nanoTime() - t0) / 1e9;
        double training = members.stream().mapToDouble(m -> OverSeeds.trainingSeconds(m.seeds())).sum();
        files.metrics(metrics, info, resolvedMembers, ResultFiles.runtime(ctx.device(), device, trained, reused, secs, training));
        return new RunResult(resolved.name(), true, store.dir(), metrics, fused, trained, reused, secs, weights);
    }

    /** The seeds every member ran, in the first member's order. */
    private static List<Long> sharedSeeds(ExperimentConfig fusion, List<RunResult> members) {
        List<Long> seeds = new ArrayList<>();
        for (SeedResult s : members.get(0).seeds()) {
            boolean all = members.stream().allMatch(m -> m.seeds().stream().anyMatch(x -> x.seed() == s.seed()));
            if (all) seeds.add(s.seed());
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException(fusion.name() + ": its members share no seed — give them the same protocol.seeds");
        }
        return seeds;
    }
}
