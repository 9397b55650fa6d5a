package org.merlab.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.merlab.data.DataException;
import org.merlab.data.FeatureLoader;
import org.merlab.data.FeatureMatrix;
import org.merlab.data.FeatureName;
import org.merlab.data.MerDataset;
import org.merlab.data.Npy;
import org.merlab.data.NpyArray;
import org.merlab.data.Split;
import org.merlab.features.AudioExtraction;
import org.merlab.features.FaceExtraction;
import org.merlab.features.FaceModelKind;
import org.merlab.features.HubertExtractor;
import org.merlab.features.TorchScriptModel;
import org.merlab.train.ComputeDevice;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Notebook {@code 07-feature-extraction}'s scaffolding: the models to run, a scratch dataset root in
 * the MER 2023 layout holding a few generated clips ({@link DemoClips}), and tables of what the extractors wrote. The
 * extraction itself is the library's ({@link AudioExtraction}, {@link FaceExtraction}, what
 * {@code ./merlab extract} runs); the notebook calls it with {@link #audioSettings()} and
 * {@link #faceSettings(FaceModelKind)}.
 *
 * <p><b>Models.</b> {@code MERLAB_MODELS} may name a folder of models exported with
 * {@code environment/export} ({@code chinese-hubert-large.pt}, {@code manet.pt},
 * {@code resnet50_ferplus.pt}, each with its {@code .json} sidecar). Every model not found there is
 * replaced by the tiny stand-in of the test fixtures ({@code lib/src/test/resources/fixtures/features}):
 * random weights, so their numbers show the pipeline, not emotion.
 *
 * <p><b>Scratch root.</b> {@code <results>/scratch/07-feature-extraction}, emptied by {@link #open}
 * (only when it carries this class's marker file), so every run of the notebook starts from nothing
 * and is deterministic up to the timings.
 */
public final class ExtractionDemo {
    /** Folder of exported models. */
    public static final String MODELS_ENV = "MERLAB_MODELS";
    /** The test fixtures' stand-in models, relative to the project root. */
    public static final String FIXTURES = "lib/src/test/resources/fixtures/features";
    static final String MARKER = ".merlab-scratch";

    /** A model to run: what it makes, the file, and whether it is a random-weight stand-in. */
    public record Model(String role, String writes, Path file, boolean standIn, String note) {}

    private final Study study;
    private final Path root;
    private final Model hubert;
    private final Map<FaceModelKind, Model> faces = new LinkedHashMap<>();
    private int[] layers;

    private ExtractionDemo(Study study, Path root, Model hubert, Model manet, Model resnetFer) {
        this.study = study;
        this.root = root;
        this.hubert = hubert;
        faces.put(FaceModelKind.MANET, manet);
        faces.put(FaceModelKind.RESNET_FER, resnetFer);
    }

    /** Finds the models ({@code MERLAB_MODELS}, else the stand-ins) and empties the scratch root. */
    public static ExtractionDemo open(Study study) {
        return open(study, System.getenv(MODELS_ENV));
    }

    static ExtractionDemo open(Study study, String modelsDir) {
        Path models = null;
        if (modelsDir != null && !modelsDir.isBlank()) {
            models = Path.of(modelsDir.trim()).toAbsolutePath().normalize();
            if (!Files.isDirectory(models)) {
                throw new DataException(models, MODELS_ENV + " names no folder",
                        "export the models there with environment/export (see its README), or unset " + MODELS_ENV + " to use the stand-ins");
            }
        }
        Path fixtures = study.home().resolve(FIXTURES);
        Model h = model("audio: HuBERT-large hidden states", "chinese-hubert-large-L{k}-UTT, chinese-hubert-large-UTT", models,
                List.of("chinese-hubert-large.pt", "hubert.pt"), fixtures.resolve("tiny_hubert.pt"),
                "HuBERT-large's architecture at tiny width (3 blocks), random weights");
        Model m = model("faces: MANet (RAF-DB)", FaceModelKind.MANET.directory(), models, List.of("manet.pt"), fixtures.resolve("tiny_manet.pt"),
                "a small random CNN with MANet's input/output contract (224x224 RGB in [0, 1] -> 1024-d), not MANet's architecture");
        Model r = model("faces: ResNet50-FER+", FaceModelKind.RESNET_FER.directory(), models, List.of("resnet50_ferplus.pt", "resnet-fer.pt"),
                fixtures.resolve("tiny_resnet_fer.pt"),
                "a small random CNN with ResNet-FER's input/output contract (224x224 RGB minus the VGGFace2 mean -> 512-d), not its architecture");
        Path root = study.resultsRoot().resolve("scratch").resolve(study.notebook());
        resetScratch(root);
        ComputeDevice.configure(); // offline, and libtorch's thread count (MERLAB_THREADS) before the engine starts
        return new ExtractionDemo(study, root, h, m, r);
    }

    private static Model model(String role, String writes, Path dir, List<String> names, Path standIn, String standInNote) {
        if (dir != null) {
            for (String n : names) {
                Path p = dir.resolve(n);
                if (Files.isRegularFile(p)) return new Model(role, writes, p, false, "exported (" + MODELS_ENV + ")");
            }
        }
        if (!Files.isRegularFile(standIn)) {
            throw new DataException(standIn, "stand-in model not found (and no exported one" + (dir == null ? ": " + MODELS_ENV + " is unset)"
                    : " in " + dir + " named " + String.join(" or ", names) + ")"), "restore the test fixtures, or export the model with environment/export");
        }
        String missing = dir == null ? "" : " (no " + String.join(" or ", names) + " in " + dir + ")";
        return new Model(role, writes, standIn, true, "STAND-IN: " + standInNote + missing);
    }

    /** Empties (or creates) the scratch root; refuses a non-empty folder this class did not make. */
    static void resetScratch(Path root) {
        try {
            if (Files.isDirectory(root)) {
                boolean empty;
                try (Stream<Path> s = Files.list(root)) {
                    empty = s.findAny().isEmpty();
                }
                if (!empty && !Files.isRegularFile(root.resolve(MARKER))) {
                    throw new DataException(root, "exists and is not a merlab scratch folder (no " + MARKER + ")",
                            "move it away or set MERLAB_RESULTS to another results root");
                }
                try (Stream<Path> s = Files.walk(root)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        if (!p.equals(root)) Files.delete(p);
                    }
                }
            }
            Files.createDirectories(root);
            Files.writeString(root.resolve(MARKER), "scratch dataset of notebook 07-feature-extraction; emptied on every run\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the scratch root " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    public Model hubert() {
        return hubert;
    }

    public Model faceModel(FaceModelKind kind) {
        return faces.get(kind);
    }

    public List<Model> models() {
        List<Model> all = new ArrayList<>();
        all.add(hubert);
        all.addAll(faces.values());
        return all;
    }

    /** Whether any model is a random-weight stand-in. */
    public boolean standIns() {
        return models().stream().anyMatch(Model::standIn);
    }

    /** Every hidden state the audio model returns: 0..24 for HuBERT-large (from its {@code .json} sidecar, else by running it once). */
    public synchronized int[] layers() {
        if (layers == null) {
            int n = sidecarHiddenStates(hubert.file());
            if (n <= 0) {
                try (TorchScriptModel m = TorchScriptModel.load(hubert.file(), TorchScriptModel.device(null))) {
                    n = new HubertExtractor(m, HubertExtractor.Options.of(new int[] {0})).hiddenStates();
                }
            }
            layers = new int[n];
            for (int k = 0; k < n; k++) layers[k] = k;
        }
        return layers.clone();
    }

    /** {@code hidden_states} of the model's sidecar ({@code X.json} beside {@code X.pt}); -1 without one. */
    static int sidecarHiddenStates(Path model) {
        String n = model.getFileName().toString();
        Path json = model.resolveSibling((n.lastIndexOf('.') > 0 ? n.substring(0, n.lastIndexOf('.')) : n) + ".json");
        if (!Files.isRegularFile(json)) return -1;
        try {
            return new ObjectMapper().readTree(json.toFile()).path("hidden_states").asInt(-1);
        } catch (IOException e) {
            throw new DataException(json, "unreadable model description (" + e.getMessage() + ")", "fix or delete the .json beside the model", e);
        }
    }

    /** Names of the clips, in order. */
    public String[] clipNames() {
        return DemoClips.CLIPS.stream().map(DemoClips.Clip::name).toArray(String[]::new);
    }

    /**
     * What {@code ./merlab extract audio --data ROOT --model M --layers 0-N --quiet} runs: every
     * hidden state, 20 s chunks with 2 s context (the CLI's defaults), resuming existing outputs.
     */
    public AudioExtraction.Settings audioSettings() {
        return new AudioExtraction.Settings(root, null, hubert.file(), HubertExtractor.Options.of(layers()), AudioExtraction.DEFAULT_PREFIX,
                false, false, true, null);
    }

    /** What {@code ./merlab extract faces --data ROOT --model M --kind K --quiet} runs (batch 32). */
    public FaceExtraction.Settings faceSettings(FaceModelKind kind) {
        return new FaceExtraction.Settings(root, null, faces.get(kind).file(), kind, 32, false, false, false, true, null);
    }

    // ------------------------------------------------------------------ media

    /**
     * Writes the clips into the scratch root as MER 2023 lays them out: {@code dataset-process/audio/<name>.wav},
     * {@code dataset-process/openface_face/<name>/<frame>.bmp} (112×112, an empty folder for a clip
     * without a face) and placeholder labels {@code dataset-release/train-label.csv} so that
     * {@link MerDataset#open} reads the root. Returns a table of what was written.
     */
    public Table writeMedia() {
        Path audio = root.resolve(MerDataset.PROCESS_DIR).resolve("audio");
        Path face = root.resolve(MerDataset.PROCESS_DIR).resolve("openface_face");
        StringColumn name = StringColumn.create("clip"), signal = StringColumn.create("audio signal"), enc = StringColumn.create("WAV encoding"),
                label = StringColumn.create("placeholder label");
        IntColumn rate = IntColumn.create("sample rate (Hz)"), ch = IntColumn.create("channels"), frames = IntColumn.create("face frames");
        DoubleColumn secs = DoubleColumn.create("duration (s)");
        IntColumn bytes = IntColumn.create("WAV bytes");
        StringBuilder csv = new StringBuilder("name,discrete,valence\n");
        try {
            Files.createDirectories(audio);
            for (int i = 0; i < DemoClips.CLIPS.size(); i++) {
                DemoClips.Clip c = DemoClips.CLIPS.get(i);
                Path wav = audio.resolve(c.name() + ".wav");
                Files.write(wav, DemoClips.wav(DemoClips.signal(i, c), c));
                Path dir = face.resolve(c.name());
                Files.createDirectories(dir);
                for (int f = 0; f < c.faceFrames(); f++) {
                    Path frame = dir.resolve(String.format(Locale.ROOT, "frame_det_00_%06d.bmp", f + 1));
                    ImageIO.write(DemoClips.face(i, f, c.faceFrames()), "bmp", frame.toFile());
                }
                csv.append(c.name()).append(',').append(c.emotion()).append(',').append(c.valence()).append('\n');
                name.append(c.name());
                signal.append(c.signal());
                enc.append(c.encoding());
                rate.append(c.sampleRate());
                ch.append(c.channels());
                secs.append(c.seconds());
                bytes.append((int) Files.size(wav));
                frames.append(c.faceFrames());
                label.append(c.emotion() + " / " + c.valence());
            }
            Path labels = root.resolve(MerDataset.RELEASE_DIR).resolve(Split.TRAIN.csvFileName());
            Files.createDirectories(labels.getParent());
            Files.writeString(labels, csv.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the scratch media under " + root + ": " + e.getMessage(), e);
        }
        return Table.create("generated clips (" + root + ")", name, signal, enc, rate, ch, secs, bytes, frames, label);
    }

    /** The face frames of one clip side by side (as written), for a look at the input. */
    public BufferedImage frameStrip(String clip) {
        List<Path> frames = FaceExtraction.frames(root.resolve(MerDataset.PROCESS_DIR).resolve("openface_face").resolve(clip));
        if (frames.isEmpty()) throw new IllegalArgumentException("clip " + clip + " has no face frames");
        BufferedImage strip = new BufferedImage(frames.size() * (DemoClips.FACE_SIDE + 4), DemoClips.FACE_SIDE, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = strip.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, strip.getWidth(), strip.getHeight());
            for (int i = 0; i < frames.size(); i++) g.drawImage(ImageIO.read(frames.get(i).toFile()), i * (DemoClips.FACE_SIDE + 4), 0, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            g.dispose();
        }
        return strip;
    }

    // ------------------------------------------------------------------ tables of what was extracted

    /** One row per processed clip of an audio run (as {@link AudioExtraction#run} reported them). */
    public static Table audioClips(List<AudioExtraction.Clip> clips) {
        StringColumn name = StringColumn.create("clip"), enc = StringColumn.create("WAV encoding");
        IntColumn ch = IntColumn.create("channels"), rate = IntColumn.create("input rate (Hz)"), samples = IntColumn.create("samples at 16 kHz"),
                frames = IntColumn.create("frames"), passes = IntColumn.create("model passes");
        DoubleColumn dur = DoubleColumn.create("duration (s)"), secs = DoubleColumn.create("seconds taken"),
                rtf = DoubleColumn.create("x real time");
        for (AudioExtraction.Clip c : clips) {
            name.append(c.name());
            enc.append(c.encoding());
            ch.append(c.channels());
            rate.append(c.sampleRate());
            dur.append(c.seconds());
            samples.append(c.samples16k());
            frames.append(c.frames());
            passes.append(c.windows());
            secs.append(c.wallSeconds());
            rtf.append(c.wallSeconds() > 0 ? c.seconds() / c.wallSeconds() : Double.NaN);
        }
        return Table.create("audio: one row per clip (read, resampled to 16 kHz, run, pooled, written)", name, enc, ch, rate, dur, samples,
                frames, passes, secs, rtf);
    }

    private Path features() {
        return root.resolve(MerDataset.PROCESS_DIR).resolve("features");
    }

    private FeatureMatrix layer(int k) {
        String dir = FeatureName.hubertLayerDirectory(k);
        return FeatureLoader.load(features().resolve(dir), "HL" + k, List.of(clipNames()));
    }

    /**
     * Per hidden state, read back with {@link FeatureLoader} (the loader training uses): its width,
     * the mean L2 norm of the clips' pooled vectors and their mean / lowest pairwise cosine similarity.
     */
    public Table perLayer() {
        IntColumn layer = IntColumn.create("layer"), dim = IntColumn.create("dim");
        DoubleColumn norm = DoubleColumn.create("mean L2 norm"), cos = DoubleColumn.create("mean pairwise cosine"),
                minCos = DoubleColumn.create("lowest pairwise cosine");
        for (int k : layers()) {
            FeatureMatrix m = layer(k);
            double sn = 0, sc = 0, lo = Double.POSITIVE_INFINITY;
            int pairs = 0;
            for (int i = 0; i < m.rows(); i++) {
                sn += norm(m.row(i));
                for (int j = i + 1; j < m.rows(); j++) {
                    double c = cosine(m.row(i), m.row(j));
                    sc += c;
                    lo = Math.min(lo, c);
                    pairs++;
                }
            }
            layer.append(k);
            dim.append(m.dim());
            norm.append(sn / m.rows());
            cos.append(pairs == 0 ? Double.NaN : sc / pairs);
            minCos.append(pairs == 0 ? Double.NaN : lo);
        }
        return Table.create("per hidden state: pooled features of the " + DemoClips.CLIPS.size() + " clips", layer, dim, norm, cos, minCos);
    }

    /** The L2 norm of each clip's pooled vector per hidden state: a column per clip. */
    public Table layerNorms() {
        IntColumn layer = IntColumn.create("layer");
        List<DoubleColumn> cols = new ArrayList<>();
        for (String c : clipNames()) cols.add(DoubleColumn.create(c));
        for (int k : layers()) {
            FeatureMatrix m = layer(k);
            layer.append(k);
            for (int i = 0; i < m.rows(); i++) cols.get(i).append(norm(m.row(i)));
        }
        Table t = Table.create("L2 norm per clip and hidden state", layer);
        cols.forEach(t::addColumns);
        return t;
    }

    /** One row per clip: its face frames and, per face model, the width and L2 norm of the written mean embedding. */
    public Table faceClips() {
        StringColumn name = StringColumn.create("clip"), note = StringColumn.create("note");
        IntColumn frames = IntColumn.create("face frames");
        Map<FaceModelKind, IntColumn> dims = new LinkedHashMap<>();
        Map<FaceModelKind, DoubleColumn> norms = new LinkedHashMap<>();
        for (FaceModelKind k : faces.keySet()) {
            dims.put(k, IntColumn.create(k.directory() + " dim"));
            norms.put(k, DoubleColumn.create(k.directory() + " L2 norm"));
        }
        Path input = root.resolve(MerDataset.PROCESS_DIR).resolve("openface_face");
        for (DemoClips.Clip c : DemoClips.CLIPS) {
            int n = FaceExtraction.frames(input.resolve(c.name())).size();
            name.append(c.name());
            frames.append(n);
            for (FaceModelKind k : faces.keySet()) {
                NpyArray a = Npy.read(features().resolve(k.directory()).resolve(c.name() + ".npy"));
                dims.get(k).append(a.featureDim());
                norms.get(k).append(norm(a.data()));
            }
            note.append(n == 0 ? "no face frame: zeros written, warning in the run's log" : "mean over " + n + " frames");
        }
        Table t = Table.create("faces: one row per clip (mean embedding over its frames)", name, frames);
        for (FaceModelKind k : faces.keySet()) t.addColumns(dims.get(k), norms.get(k));
        t.addColumns(note);
        return t;
    }

    /**
     * Runs every extraction again with the same settings (no {@code --force}) and tabulates both
     * runs: the second processes nothing, skips every clip and rewrites no file (same file identity
     * and modification time before and after).
     */
    public Table rerun(AudioExtraction.Summary audio, List<FaceExtraction.Summary> faceRuns) {
        Map<Path, String> before = snapshot();
        AudioExtraction.Summary audio2 = AudioExtraction.run(audioSettings(), System.out);
        List<FaceExtraction.Summary> faces2 = new ArrayList<>();
        for (FaceModelKind k : faces.keySet()) faces2.add(FaceExtraction.run(faceSettings(k), System.out));
        Map<Path, String> after = snapshot();
        StringColumn ex = StringColumn.create("extraction");
        IntColumn clips = IntColumn.create("clips"), p1 = IntColumn.create("1st run: processed"), p2 = IntColumn.create("2nd run: processed"),
                s2 = IntColumn.create("2nd run: skipped"), files = IntColumn.create("feature files"), rewritten = IntColumn.create("files rewritten");
        DoubleColumn t1 = DoubleColumn.create("1st run: seconds"), t2 = DoubleColumn.create("2nd run: seconds");
        List<String> audioDirs = new ArrayList<>();
        for (int k : layers()) audioDirs.add(FeatureName.hubertLayerDirectory(k));
        audioDirs.add(FeatureName.HUBERT_LAST);
        ex.append("audio (" + AudioExtraction.DEFAULT_PREFIX + ")");
        clips.append(audio2.clips());
        p1.append(audio.processed());
        t1.append(audio.seconds());
        p2.append(audio2.processed());
        s2.append(audio2.skipped());
        t2.append(audio2.seconds());
        files.append(count(before, audioDirs));
        rewritten.append(changed(before, after, audioDirs));
        int i = 0;
        for (FaceModelKind k : faces.keySet()) {
            FaceExtraction.Summary a = faceRuns.get(i), b = faces2.get(i++);
            ex.append("faces (" + k.id() + ")");
            clips.append(b.clips());
            p1.append(a.processed());
            t1.append(a.seconds());
            p2.append(b.processed());
            s2.append(b.skipped());
            t2.append(b.seconds());
            files.append(count(before, List.of(k.directory())));
            rewritten.append(changed(before, after, List.of(k.directory())));
        }
        return Table.create("resume: the same extractions run a second time", ex, clips, p1, t1, p2, s2, t2, files, rewritten);
    }

    /** Every feature file with its identity (inode) and modification time. */
    private Map<Path, String> snapshot() {
        Map<Path, String> out = new HashMap<>();
        try (Stream<Path> s = Files.walk(features())) {
            for (Path p : s.filter(q -> q.toString().endsWith(".npy")).toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                out.put(features().relativize(p), a.fileKey() + "@" + a.lastModifiedTime().toMillis());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static int count(Map<Path, String> files, List<String> dirs) {
        return (int) files.keySet().stream().filter(p -> dirs.contains(p.getName(0).toString())).count();
    }

    private static int changed(Map<Path, String> before, Map<Path, String> after, List<String> dirs) {
        int n = 0;
        for (Map.Entry<Path, String> e : after.entrySet()) {
            if (dirs.contains(e.getKey().getName(0).toString()) && !e.getValue().equals(before.get(e.getKey()))) n++;
        }
        return n;
    }

    /**
     * One row per feature directory of the scratch dataset, each loaded back through
     * {@link MerDataset#features} for the train split (as training loads it): short name, directory,
     * model, width, clips loaded, mean L2 norm, and the seconds of the run that wrote it (the audio
     * directories share one pass).
     */
    public Table headline(MerDataset ds, AudioExtraction.Summary audio, List<FaceExtraction.Summary> faceRuns) {
        StringColumn feature = StringColumn.create("feature"), directory = StringColumn.create("directory"), model = StringColumn.create("model");
        IntColumn dim = IntColumn.create("dim"), clips = IntColumn.create("clips");
        DoubleColumn norm = DoubleColumn.create("mean L2 norm"), secs = DoubleColumn.create("seconds");
        List<String> dirs = new ArrayList<>(ds.featureDirectories());
        dirs.sort(Comparator.comparing(ExtractionDemo::order));
        for (String d : dirs) {
            String shortName = Tables.shortName(d);
            FeatureMatrix m = ds.features(new FeatureName(shortName, d), Split.TRAIN);
            double sn = 0;
            for (int i = 0; i < m.rows(); i++) sn += norm(m.row(i));
            FaceModelKind kind = d.equals(FaceModelKind.MANET.directory()) ? FaceModelKind.MANET
                    : d.equals(FaceModelKind.RESNET_FER.directory()) ? FaceModelKind.RESNET_FER : null;
            Model used = kind == null ? hubert : faces.get(kind);
            feature.append(shortName);
            directory.append(d);
            model.append(used.standIn() ? "stand-in (random weights)" : "exported");
            dim.append(m.dim());
            clips.append(m.rows());
            norm.append(m.rows() == 0 ? 0 : sn / m.rows());
            secs.append(kind == null ? audio.seconds() : faceRuns.get(kind.ordinal()).seconds());
        }
        return Table.create("extracted feature directories, loaded back as training loads them", feature, directory, model, dim, clips, norm, secs);
    }

    /** Audio layers in order, then the official last-layer name, then the face directories. */
    private static String order(String dir) {
        String s = Tables.shortName(dir);
        if (s.matches("HL\\d+")) return String.format(Locale.ROOT, "0 %03d", Integer.parseInt(s.substring(2)));
        if (s.equals("HL")) return "1";
        return "2 " + dir;
    }

    /** Checks that {@code chinese-hubert-large-UTT} holds the last hidden state's features, file for file. */
    public Html.Text aliasCheck(MerDataset ds) {
        int last = layers()[layers().length - 1];
        FeatureMatrix alias = ds.features(new FeatureName("HL", FeatureName.HUBERT_LAST), Split.TRAIN);
        FeatureMatrix top = ds.features(new FeatureName("HL" + last, FeatureName.hubertLayerDirectory(last)), Split.TRAIN);
        double worst = 0;
        for (int i = 0; i < alias.data().length; i++) worst = Math.max(worst, Math.abs(alias.data()[i] - top.data()[i]));
        return Html.text(String.format(Locale.ROOT, "%s (HL, the official baseline's feature) = %s (hidden state %d, the model's last): "
                        + "%d clips x %d values, largest difference %.1g.", FeatureName.HUBERT_LAST, FeatureName.hubertLayerDirectory(last), last,
                alias.rows(), alias.dim(), worst));
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s);
    }

    private static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }

    // ------------------------------------------------------------------ display

    /** The setup as HTML: models (and whether they are stand-ins), the scratch root, profile. */
    public String toHtml() {
        StringBuilder b = new StringBuilder("<div class=\"merlab-setup\"><b>Setup</b><table>");
        for (Model m : models()) {
            Html.keyValueRow(b, m.role(), m.file() + " — " + m.note() + "; writes " + m.writes());
        }
        Html.keyValueRow(b, "scratch dataset", root + " (emptied at every run)");
        Html.keyValueRow(b, "profile", study.profile().id() + " (the extraction is the same in every profile)");
        Html.keyValueRow(b, "tables (CSV)", study.tablesDir().toString());
        b.append("</table>");
        if (standIns()) {
            b.append("<p style=\"background:#fff4d6;padding:.5em 1em\"><b>Stand-in models.</b> Every model marked STAND-IN above is a "
                    + "tiny architecture stand-in with random weights (the test fixtures). The numbers below illustrate the pipeline "
                    + "(shapes, files, timings, resuming), not emotion. Set ").append(MODELS_ENV)
                    .append(" to a folder of models exported with environment/export to run the real ones.</p>");
        }
        return b.append("</div>").toString();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ExtractionDemo[" + root + "]");
        for (Model m : models()) b.append("\n  ").append(m.role()).append(": ").append(m.file()).append(" — ").append(m.note());
        if (standIns()) b.append("\n  STAND-IN models have random weights: the numbers illustrate the pipeline, not emotion.");
        return b.toString();
    }
}
