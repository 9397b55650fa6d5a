package org.merlab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.merlab.data.Emotion;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.model.DecisionFusion;
import org.merlab.sim.SimWriter;

/**
 * The files of one experiment under one profile, {@code <out>/<config name>/<profile>/}:
 * <pre>
 * run.json                          the resolved config and dataset these results belong to
 * seed-&lt;s&gt;/fold-&lt;k&gt;.json              a finished fold: metrics, curves, σ, attention ({@link FoldSummary})
 * seed-&lt;s&gt;/fold-&lt;k&gt;-predictions.csv   its out-of-fold and test predictions (logits, probabilities, valence)
 * seed-&lt;s&gt;/seed.json                 the seed's CV and test metrics (a {@link org.merlab.experiment.RunRecord})
 * seed-&lt;s&gt;/submission-test1.csv      the seed's MER submission (name,discrete,valence)
 * seed-&lt;s&gt;/predictions-test1.csv     the seed's test prediction with class probabilities
 * metrics.json                      mean ± std over seeds, per-seed values, config, dataset, provenance
 * submission-test1.csv, ...         the seeds' ensemble in the MER submission format
 * </pre>
 * Every file is written to a temporary file and renamed, so an interrupted run never leaves a
 * half-written fold; a fold counts as finished when its JSON (written last) and CSV both read back.
 */
public final class ResultStore {
    static final String RUN_FILE = "run.json";
    static final String METRICS_FILE = "metrics.json";

    private final Path dir;

    public ResultStore(Path dir) {
        this.dir = dir;
    }

    /** {@code <out>/<name>/<profile>}. */
    public static ResultStore of(Path out, String name, String profile) {
        return new ResultStore(out.resolve(name).resolve(profile));
    }

    public Path dir() {
        return dir;
    }

    public Path seedDir(long seed) {
        return dir.resolve("seed-" + seed);
    }

    public Path foldJson(long seed, int fold) {
        return seedDir(seed).resolve("fold-" + fold + ".json");
    }

    public Path foldCsv(long seed, int fold) {
        return seedDir(seed).resolve("fold-" + fold + "-predictions.csv");
    }

    public Path metricsFile() {
        return dir.resolve(METRICS_FILE);
    }

    /** The identity of a run: the resolved config (without its free-text description) and the dataset root. */
    static ObjectNode identity(ExperimentConfig resolved, Path dataset, Map<String, ExperimentConfig> members) {
        ObjectNode id = ExperimentConfigs.JSON.createObjectNode();
        ObjectNode config = ExperimentConfigs.JSON.valueToTree(resolved);
        config.remove("description");
        id.set("config", config);
        id.put("dataset", dataset.toAbsolutePath().normalize().toString());
        if (members != null && !members.isEmpty()) {
            ObjectNode m = id.putObject("members");
            members.forEach((name, c) -> {
                ObjectNode mc = ExperimentConfigs.JSON.valueToTree(c);
                mc.remove("description");
                m.set(name, mc);
            });
        }
        try { // through text, so numbers compare as they will after reading the stored file back
            return (ObjectNode) ExperimentConfigs.JSON.readTree(ExperimentConfigs.JSON.writeValueAsString(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes the directory ready for a run with this identity. With {@code force}, earlier results
     * are deleted; without it, results of a different identity are an error that names the first
     * difference.
     */
    void prepare(ObjectNode identity, boolean force) {
        try {
            Path run = dir.resolve(RUN_FILE);
            if (force) {
                clear();
            } else if (Files.isRegularFile(run)) {
                JsonNode stored;
                try {
                    stored = ExperimentConfigs.JSON.readTree(run.toFile());
                } catch (IOException e) {
                    stored = null;
                }
                if (stored == null || !stored.equals(identity)) {
                    String where = stored == null ? "unreadable " + RUN_FILE : firstDifference("", stored, identity);
                    throw new ResultsMismatchException(dir + ": holds results of a different run (" + where
                            + ") — rerun with --force to retrain, or choose another --out");
                }
            }
            Files.createDirectories(dir);
            writeJson(run, identity);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Thrown when stored results belong to another config or dataset (the CLI then asks for --force). */
    public static final class ResultsMismatchException extends IllegalStateException {
        public ResultsMismatchException(String message) {
            super(message);
        }
    }

    /** Deletes what this store wrote (seed folders, metrics, submissions, run.json); other files stay. */
    void clear() throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (Files.isDirectory(p) && n.startsWith("seed-")) {
                    SimWriter.deleteTree(p);
                } else if (n.equals(RUN_FILE) || n.equals(METRICS_FILE) || (n.startsWith("submission-") && n.endsWith(".csv"))
                        || n.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String firstDifference(String path, JsonNode a, JsonNode b) {
        if (a.equals(b)) return null;
        if (a.isObject() && b.isObject()) {
            Iterator<String> names = b.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                String sub = path.isEmpty() ? n : path + "." + n;
                if (!a.has(n)) return "'" + sub + "' is new";
                String d = firstDifference(sub, a.get(n), b.get(n));
                if (d != null) return d;
            }
            Iterator<String> old = a.fieldNames();
            while (old.hasNext()) {
                String n = old.next();
                if (!b.has(n)) return "'" + (path.isEmpty() ? n : path + "." + n) + "' was removed";
            }
        }
        return "'" + path + "' was " + a + ", now " + b;
    }

    // ---- folds -------------------------------------------------------------------------------

    /** Writes a finished fold: predictions CSV first, then the JSON that marks the fold finished. */
    void writeFold(FoldResult r) {
        FoldSummary s = r.summary();
        try {
            Files.createDirectories(seedDir(s.seed()));
            writeAtomically(foldCsv(s.seed(), s.fold()), predictionsCsv(r));
            writeJson(foldJson(s.seed(), s.fold()), s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a finished fold back, or empty when it is missing or unreadable (then it is retrained).
     * {@code expectedHeldOut} and the test names guard against results of other data.
     */
    Optional<FoldResult> readFold(long seed, int fold, List<String> expectedHeldOut, Map<String, List<String>> expectedTests) {
        Path json = foldJson(seed, fold);
        Path csv = foldCsv(seed, fold);
        if (!Files.isRegularFile(json) || !Files.isRegularFile(csv)) return Optional.empty();
        try {
            FoldSummary s = ExperimentConfigs.JSON.readValue(json.toFile(), FoldSummary.class);
            if (s.seed() != seed || s.fold() != fold) return Optional.empty();
            Map<String, SplitPredictions> parts = readPredictions(csv);
            SplitPredictions held = parts.remove("train");
            if (held == null || !held.names().equals(expectedHeldOut)) return Optional.empty();
            if (!parts.keySet().equals(expectedTests.keySet())) return Optional.empty();
            for (Map.Entry<String, List<String>> e : expectedTests.entrySet()) {
                if (!parts.get(e.getKey()).names().equals(e.getValue())) return Optional.empty();
            }
            return Optional.of(new FoldResult(s, held, parts));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static String predictionsCsv(FoldResult r) {
        StringBuilder sb = new StringBuilder(1 << 16);
        List<String> labels = SplitPredictions.classLabels(Emotion.COUNT);
        sb.append("split,name,row,true_class,true_valence");
        for (String l : labels) sb.append(",logit_").append(l);
        for (String l : labels) sb.append(",prob_").append(l);
        sb.append(",valence\n");
        List<SplitPredictions> parts = new ArrayList<>();
        parts.add(r.heldOut());
        parts.addAll(r.tests().values());
        for (SplitPredictions p : parts) {
            float[][] probs = p.probabilities();
            for (int i = 0; i < p.size(); i++) {
                sb.append(p.split()).append(',').append(p.names().get(i)).append(',').append(p.rows()[i]).append(',')
                        .append(SplitPredictions.label(p.trueClass()[i])).append(',');
                if (!Double.isNaN(p.trueValence()[i])) sb.append(p.trueValence()[i]);
                for (float v : p.logits()[i]) sb.append(',').append(v);
                for (float v : probs[i]) sb.append(',').append(v);
                sb.append(',').append(p.valence()[i]).append('\n');
            }
        }
        return sb.toString();
    }

    /** Parses a fold's predictions CSV into one {@link SplitPredictions} per split, in file order. */
    static Map<String, SplitPredictions> readPredictions(Path csv) throws IOException {
        Map<String, List<String[]>> rows = new LinkedHashMap<>();
        int classes;
        try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null) throw new IOException("empty " + csv);
            String[] h = header.split(",", -1);
            classes = (int) java.util.Arrays.stream(h).filter(x -> x.startsWith("logit_")).count();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) continue;
                String[] c = line.split(",", -1);
                if (c.length != h.length) throw new IOException(csv + ": a row has " + c.length + " cells, not " + h.length);
                rows.computeIfAbsent(c[0], k -> new ArrayList<>()).add(c);
            }
        }
        Map<String, SplitPredictions> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String[]>> e : rows.entrySet()) {
            List<String[]> rs = e.getValue();
            int n = rs.size();
            List<String> names = new ArrayList<>(n);
            int[] row = new int[n];
            int[] cls = new int[n];
            double[] val = new double[n];
            float[][] logits = new float[n][classes];
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                String[] c = rs.get(i);
                names.add(c[1]);
                row[i] = Integer.parseInt(c[2]);
                Emotion emo = Emotion.fromLabel(c[3]);
                if (emo == null) throw new IOException(csv + ": unknown class " + c[3]);
                cls[i] = emo.ordinal();
                val[i] = c[4].isEmpty() ? Double.NaN : Double.parseDouble(c[4]);
                for (int k = 0; k < classes; k++) logits[i][k] = Float.parseFloat(c[5 + k]);
                v[i] = Float.parseFloat(c[5 + 2 * classes]);
            }
            out.put(e.getKey(), new SplitPredictions(e.getKey(), names, row, cls, val, logits, v));
        }
        return out;
    }

    // ---- summaries ---------------------------------------------------------------------------

    /** Writes a MER submission CSV ({@code name,discrete,valence}; valence clipped to [−5, 5]). */
    void writeSubmission(Path file, List<String> names, DecisionFusion.Prediction p) {
        StringBuilder sb = new StringBuilder("name,discrete,valence\n");
        int[] cls = p.argmax();
        float[] v = p.clippedValence();
        for (int i = 0; i < names.size(); i++) {
            sb.append(names.get(i)).append(',').append(SplitPredictions.label(cls[i])).append(',')
                    .append(String.format(Locale.ROOT, "%.6f", v[i])).append('\n');
        }
        try {
            Files.createDirectories(file.getParent());
            writeAtomically(file, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a seed's test prediction with its class probabilities: {@code name, true_class,
     * true_valence, prob_<class>..., valence} (valence unclipped). {@code alreadyProbabilities}: the
     * scores are fused probabilities, not logits.
     */
    void writeProbabilities(Path file, SplitPredictions p, boolean alreadyProbabilities) {
        StringBuilder sb = new StringBuilder("name,true_class,true_valence");
        for (String l : SplitPredictions.classLabels(Emotion.COUNT)) sb.append(",prob_").append(l);
        sb.append(",valence\n");
        float[][] probs = alreadyProbabilities ? p.logits() : p.probabilities();
        for (int i = 0; i < p.size(); i++) {
            sb.append(p.names().get(i)).append(',').append(SplitPredictions.label(p.trueClass()[i])).append(',');
            if (!Double.isNaN(p.trueValence()[i])) sb.append(p.trueValence()[i]);
            for (float v : probs[i]) sb.append(',').append(v);
            sb.append(',').append(p.valence()[i]).append('\n');
        }
        try {
            Files.createDirectories(file.getParent());
            writeAtomically(file, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeJson(Path file, Object value) throws IOException {
        writeAtomically(file, ExperimentConfigs.JSON.writeValueAsString(value) + "\n");
    }

    /** Writes to {@code file.tmp} and renames it over {@code file} (atomically where the file system can). */
    static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
