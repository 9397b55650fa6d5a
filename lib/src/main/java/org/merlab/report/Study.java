package org.merlab.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.merlab.experiment.DatasetLocator;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;
import org.merlab.train.EpochStats;
import org.merlab.train.ExperimentRunner;
import org.merlab.train.ExperimentRunner.RunResult;
import org.merlab.train.FoldResult;
import org.merlab.train.RunListener;
import tech.tablesaw.api.Table;

/**
 * One notebook's view of the project: where the project is, which profile and dataset are in use
 * (from {@code MERLAB_PROFILE}, {@code MERLAB_DATA}, {@code MERLAB_RESULTS}; {@code MERLAB_THREADS}, which
 * {@link org.merlab.train.ComputeDevice} reads, sets libtorch's thread count), where results and
 * table CSVs go, and a way to run experiments (reusing finished ones) with a live progress display.
 *
 * <pre>
 * var study = Study.open("01-unimodal");
 * study                                       // renders the setup: dataset, profile, seeds, epochs
 * var p = progress("Training", study.plannedEpochs(names));
 * var runs = study.run(names, p::update);
 * study.save(Tables.headline(study, runs), "headline");   // shown, and written as CSV
 * </pre>
 */
public final class Study {
    /** Receives (epochs done so far, metrics of the last epoch); the kernel's {@code TrainingProgress::update} fits. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, Map<String, ? extends Number> metrics);
    }

    private final String notebook;
    private final Path home;
    private final Profile profile;
    private final Path data;
    private final Path dataRoot;
    private final Path results;
    private final List<String> notes = new ArrayList<>();
    private final Map<String, RunResult> runs = new LinkedHashMap<>();

    private Study(String notebook, Path home, Profile profile, Path data, Path results) {
        this.notebook = notebook;
        this.home = home;
        this.profile = profile;
        this.data = data;
        this.dataRoot = DatasetLocator.resolve(data, null).toAbsolutePath().normalize();
        this.results = results;
    }

    /** From the environment ({@code MERLAB_PROFILE}, {@code MERLAB_DATA}, {@code MERLAB_RESULTS}); sets {@code merlab.home} when unset. */
    public static Study open(String notebook) {
        return open(notebook, System.getenv());
    }

    static Study open(String notebook, Map<String, String> env) {
        Path home = findHome(env);
        if (System.getProperty("merlab.home") == null) System.setProperty("merlab.home", home.toString());
        Profile profile = Profile.parse(nonBlank(env.get("MERLAB_PROFILE"), "default"));
        String d = env.get("MERLAB_DATA");
        Path data = d == null || d.isBlank() ? null : Path.of(d).toAbsolutePath().normalize();
        String r = env.get("MERLAB_RESULTS");
        Path results = r == null || r.isBlank() ? home.resolve("experiments").resolve("results") : Path.of(r).toAbsolutePath().normalize();
        return new Study(notebook, home, profile, data, results);
    }

    /** The project root: {@code -Dmerlab.home}, {@code -Dmerlab.root}, {@code MERLAB_ROOT}, else the first folder up from here with {@code experiments/}. */
    static Path findHome(Map<String, String> env) {
        for (String s : new String[] {System.getProperty("merlab.home"), System.getProperty("merlab.root"), env.get("MERLAB_ROOT")}) {
            if (s != null && !s.isBlank()) return Path.of(s).toAbsolutePath().normalize();
        }
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isDirectory(q.resolve("experiments")) && Files.isDirectory(q.resolve("lib"))) return q;
        }
        return p;
    }

    private static String nonBlank(String s, String dflt) {
        return s == null || s.isBlank() ? dflt : s.trim();
    }

    public String notebook() { return notebook; }
    public Path home() { return home; }
    public Profile profile() { return profile; }
    public boolean quick() { return profile == Profile.QUICK; }
    /** The dataset asked for ({@code MERLAB_DATA}), null for the default MER-SIM. */
    public Path data() { return data; }
    /** The dataset root in use (MER-SIM's is generated on first use). */
    public Path dataRoot() { return dataRoot; }
    public Path resultsRoot() { return results; }

    private org.merlab.data.MerDataset dataset;

    /** The dataset in use, opened once (the default MER-SIM is generated on first use). */
    public synchronized org.merlab.data.MerDataset dataset() {
        if (dataset == null) dataset = DatasetLocator.open(dataRoot, i -> {});
        return dataset;
    }

    /** Whether the dataset in use has a feature ({@code HL18}, {@code MR}, ...): its directory exists. */
    public boolean hasFeature(String feature) {
        return org.merlab.data.FeatureName.parse(feature).directories().stream()
                .allMatch(d -> Files.isDirectory(dataset().featureDirectory(d)));
    }
    public Path experimentsDir() { return home.resolve("experiments"); }

    /** Whether the dataset in use is MER-SIM (true also before the default MER-SIM is generated). */
    public boolean synthetic() {
        return data == null || DatasetLocator.isSynthetic(dataRoot);
    }

    /** "MER-SIM (synthetic)" or "MER 2023". */
    public String datasetLabel() {
        return synthetic() ? "MER-SIM (synthetic)" : "MER 2023";
    }

    /** Where this notebook's table CSVs go: {@code <results>/tables/<profile>/<notebook>/}. */
    public Path tablesDir() {
        return results.resolve("tables").resolve(profile.id()).resolve(notebook);
    }

    /** A line for the setup display (e.g. what the quick profile leaves out). */
    public Study note(String line) {
        notes.add(line);
        return this;
    }

    /** The config {@code experiments/<name>.json} as this profile resolves it. */
    public ExperimentConfig config(String name) {
        return ExperimentConfigs.read(experimentsDir().resolve(name + ".json"));
    }

    /** A variant of a config under a new name (e.g. another decoder), for ablations without a file. */
    public ExperimentConfig variant(String base, String newName, String description, UnaryOperator<ExperimentConfig> change) {
        ExperimentConfig c = change.apply(config(base));
        return new ExperimentConfig(newName, description, c.dataset(), c.features(), c.model(), c.loss(), c.protocol(), c.fusion());
    }

    /** A config with another decoder kind. */
    public static ExperimentConfig withDecoder(ExperimentConfig c, org.merlab.model.ModelSpec.DecoderKind kind) {
        ExperimentConfig.Model m = c.model();
        return new ExperimentConfig(c.name(), c.description(), c.dataset(), c.features(),
                new ExperimentConfig.Model(m.structure(), kind, m.d(), m.hidden(), m.dropout(), m.softmaxWeights()), c.loss(), c.protocol(), c.fusion());
    }

    /** A config with other features and structure. */
    public static ExperimentConfig withFeatures(ExperimentConfig c, List<List<String>> features, org.merlab.model.ModelSpec.Structure structure) {
        ExperimentConfig.Model m = c.model();
        return new ExperimentConfig(c.name(), c.description(), c.dataset(), features,
                new ExperimentConfig.Model(structure, m.decoder(), m.d(), m.hidden(), m.dropout(), m.softmaxWeights()), c.loss(), c.protocol(), c.fusion());
    }

    /** Epochs the named experiments may take under this profile (for the progress bar). */
    public long plannedEpochs(List<?> experiments) {
        long sum = 0;
        for (Object e : experiments) sum += ExperimentRunner.plannedEpochs(resolve(e), experimentsDir(), profile);
        return sum;
    }

    private ExperimentConfig resolve(Object e) {
        if (e instanceof ExperimentConfig c) return c;
        return config(e.toString());
    }

    /** Runs (or reads back) one experiment by name or config. */
    public RunResult run(Object experiment) {
        return run(List.of(experiment), null).get(0);
    }

    /**
     * Runs (or reads back) experiments in order: names of {@code experiments/*.json} or configs.
     * Finished folds on disk are reused. {@code progress} may be null.
     */
    public List<RunResult> run(List<?> experiments, Progress progress) {
        List<ExperimentConfig> configs = new ArrayList<>();
        Map<String, Integer> epochsOf = new java.util.HashMap<>(); // per fold, to count reused folds' epochs
        for (Object e : experiments) {
            ExperimentConfig c = resolve(e);
            configs.add(c);
            epochsOf.put(c.name(), profile.apply(c).protocol().epochs());
        }
        // fusion members (not in the list) share the profile's epochs
        int memberEpochs = profile.apply(new ExperimentConfig("member", null, null, null, null, null, null, null)).protocol().epochs();
        long[] done = {0};
        RunListener l = new RunListener() {
            @Override
            public void onEpoch(String experiment, long seed, int fold, EpochStats s) {
                done[0]++;
                if (progress != null) {
                    Map<String, Double> m = new LinkedHashMap<>();
                    m.put("held-out F1", s.heldOutWeightedF1());
                    m.put("held-out MSE", s.heldOutMse());
                    progress.update(done[0], m);
                }
            }

            @Override
            public void onFoldEnd(String experiment, long seed, int fold, FoldResult r, boolean reused) {
                if (reused) {
                    done[0] += epochsOf.getOrDefault(experiment, memberEpochs);
                    if (progress != null) progress.update(done[0], Map.of());
                }
            }
        };
        // one call: configs that differ only in the feature they read (the layer sweep) train as one batch
        List<Path> dirs = java.util.Collections.nCopies(configs.size(), experimentsDir());
        List<RunResult> out = ExperimentRunner.runAll(configs, dirs, new ExperimentRunner.Options(results, data, profile, false, l));
        for (RunResult r : out) runs.put(r.name(), r);
        return out;
    }

    /** Results of this study's runs so far, by experiment name. */
    public Map<String, RunResult> runs() {
        return java.util.Collections.unmodifiableMap(runs);
    }

    /** Writes a table as {@code <tablesDir>/<name>.csv} and returns it (to show it). */
    public Table save(Table table, String name) {
        Tables.round(table, 4);
        try {
            Files.createDirectories(tablesDir());
            table.write().csv(tablesDir().resolve(name + ".csv").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return table;
    }

    /**
     * Copies a run's MER submission CSVs ({@code submission-test1.csv}, {@code -test2.csv}: name,
     * discrete, valence) beside this notebook's tables, so they sit with what cites them; returns one
     * line per file copied ("path (N rows)").
     */
    public List<String> copySubmissions(RunResult run) {
        List<String> copied = new ArrayList<>();
        try {
            Files.createDirectories(tablesDir());
            for (String split : List.of("test1", "test2")) {
                Path src = run.dir().resolve("submission-" + split + ".csv");
                if (!Files.isRegularFile(src)) continue;
                Path dst = tablesDir().resolve(src.getFileName());
                Files.copy(src, dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                copied.add(dst + " (" + (Files.readAllLines(dst).size() - 1) + " rows)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copied;
    }

    /** The setup as HTML: dataset, profile, epochs, seeds, folds, results folder, notes. */
    public String toHtml() {
        ExperimentConfig.Protocol p = profile.apply(config("hl")).protocol();
        StringBuilder b = new StringBuilder("<div class=\"merlab-setup\"><b>Setup</b><table>");
        Html.keyValueRow(b, "dataset", datasetLabel() + " — " + dataRoot);
        if (synthetic()) Html.keyValueRow(b, "note", "MER-SIM is synthetic: its figures are not the paper's and only show how the method behaves.");
        Html.keyValueRow(b, "profile", profile.id() + " (" + p.epochs() + " epochs, " + p.seeds().size() + " seed(s) " + p.seeds() + ", "
                + p.folds() + "-fold CV)");
        Html.keyValueRow(b, "results", results.toString());
        Html.keyValueRow(b, "tables (CSV)", tablesDir().toString());
        for (String n : notes) Html.keyValueRow(b, "in this profile", n);
        return b.append("</table></div>").toString();
    }

    @Override
    public String toString() {
        return "Study[" + notebook + ", " + datasetLabel() + ", profile " + profile.id() + "]";
    }
}
