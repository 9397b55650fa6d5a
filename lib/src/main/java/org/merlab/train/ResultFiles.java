package org.merlab.train;

import ai.djl.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.merlab.experiment.DatasetLocator;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;
import org.merlab.experiment.Provenance;
import org.merlab.experiment.RunRecord;

/**
 * The files of a config whose folds are all done (a single model's or a decision fusion's): per seed {@code seed.json},
 * its submissions and class probabilities; the seeds' ensemble submissions; and {@code metrics.json}. The two JSON files
 * carry the resolved config, the profile, the dataset and the provenance.
 */
final class ResultFiles {
    private final ResultStore store;
    private final ExperimentConfig resolved;
    private final Profile profile;
    private final Path dataset;
    private final Provenance provenance;

    ResultFiles(ResultStore store, ExperimentConfig resolved, Profile profile, Path dataset, Provenance provenance) {
        this.store = store;
        this.resolved = resolved;
        this.profile = profile;
        this.dataset = dataset;
        this.provenance = provenance;
    }

    /** seed.json, and per test split the submission and the class probabilities ({@code probabilities}: scores already are). */
    void seed(SeedResult s, boolean probabilities) {
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
        RunRecord record = new RunRecord(resolved, s.seed(), profile.id(), dataset.toString(), provenance, metrics);
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

    /** Per test split, the submission of the seeds' ensemble ({@link OverSeeds#ensemble}). */
    void ensembleSubmissions(List<SeedResult> seeds) {
        for (String split : seeds.get(0).tests().keySet()) {
            SplitPredictions e = OverSeeds.ensemble(seeds, split);
            store.writeSubmission(store.dir().resolve("submission-" + split + ".csv"), e.names(), e.toPrediction());
        }
    }

    /**
     * metrics.json.
     *
     * @param fusion  the fusion's weights and rule (null for a single model)
     * @param members the fusion's resolved member configs (null for a single model)
     * @param runtime {@link #runtime}
     */
    void metrics(Map<String, SplitSummary> metrics, Map<String, Object> fusion, Map<String, ExperimentConfig> members,
                 Map<String, Object> runtime) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", resolved.name());
        m.put("description", resolved.description());
        m.put("kind", fusion == null ? "single" : "fusion");
        m.put("profile", profile.id());
        m.put("epochs", resolved.protocol().epochs());
        m.put("folds", resolved.protocol().folds());
        m.put("seeds", metrics.get("cv").perSeed().stream().map(SplitSummary.SeedScore::seed).toList());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("path", dataset.toString());
        data.put("synthetic", DatasetLocator.isSynthetic(dataset));
        m.put("dataset", data);
        m.put("metrics", metrics);
        if (fusion != null) m.put("fusion", fusion);
        m.put("config", resolved);
        if (members != null) m.put("member_configs", members);
        m.put("runtime", runtime);
        m.put("provenance", provenance);
        try {
            Files.createDirectories(store.dir());
            ResultStore.writeJson(store.metricsFile(), m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * metrics.json's {@code runtime}: where and how the numbers were made, {@code seconds} of this call (wall time, folds
     * reused included) and {@code training_seconds} of all its folds ({@link OverSeeds#trainingSeconds}).
     */
    static Map<String, Object> runtime(Device on, String device, int trained, int reused, double secs, double trainingSecs) {
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
}
