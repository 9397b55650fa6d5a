package org.merlab.features;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.merlab.data.DataException;
import org.merlab.data.MerDataset;
import org.merlab.data.Split;
import org.merlab.util.ProgressBar;

/**
 * {@code extract faces}: each clip's folder of aligned face frames,
 * {@code ROOT/dataset-process/openface_face/<name>/*.bmp} (also PNG/JPEG; sorted by file name), →
 * the mean embedding {@code ROOT/dataset-process/features/<manet_UTT|resnet50face_UTT>/<name>.npy}
 * (and the per-frame rows in {@code *_FRA} when asked).
 *
 * <p>The clips are the folders present, plus — when the dataset's labels can be read — every
 * labelled clip without a folder. A clip with no frame (no folder, or an empty one: OpenFace found no
 * face) gets a zero vector and a warning in {@code features/extract-faces-<kind>.log}. Resumable
 * (existing outputs are skipped unless {@code force}); unreadable frames stop the run unless
 * {@code keepGoing}.
 */
public final class FaceExtraction {
    public record Settings(Path root, Path inputDir, Path model, FaceModelKind kind, int batchSize, boolean frameLevel, boolean force,
                           boolean keepGoing, boolean quiet, String device) {
        public Path features() {
            return root.resolve(MerDataset.PROCESS_DIR).resolve("features");
        }

        public Path input() {
            return inputDir != null ? inputDir : root.resolve(MerDataset.PROCESS_DIR).resolve("openface_face");
        }
    }

    public record Summary(int clips, int processed, int skipped, int failed, int noFace, long frames, double seconds, Path log) {
        public double clipsPerSecond() {
            return seconds > 0 ? processed / seconds : 0;
        }
    }

    private FaceExtraction() {}

    /** Image files of one clip folder, sorted by name; empty when the folder is missing. */
    public static List<Path> frames(Path clipDir) {
        if (!Files.isDirectory(clipDir)) return List.of();
        try (Stream<Path> s = Files.list(clipDir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return !n.startsWith(".") && (n.endsWith(".bmp") || n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
            }).sorted().toList();
        } catch (IOException e) {
            throw new DataException(clipDir, "cannot list: " + e.getMessage(), "check permissions", e);
        }
    }

    /** Clip names: the folders under {@code input}, plus labelled clips of the dataset at {@code root} (if it has labels). */
    public static List<String> clips(Path root, Path input) {
        Set<String> names = new TreeSet<>();
        if (!Files.isDirectory(input)) {
            // not "every clip without a face": a missing folder is a wrong path or a step not run
            throw new DataException(input, "face-frame directory not found",
                    "run OpenFace so that each clip's aligned faces are in " + input + "/<name>/*.bmp (data.md), or pass --input");
        }
        try (Stream<Path> s = Files.list(input)) {
            s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).forEach(names::add);
        } catch (IOException e) {
            throw new DataException(input, "cannot list: " + e.getMessage(), "check permissions", e);
        }
        try {
            MerDataset ds = MerDataset.open(root);
            for (Split sp : ds.splits()) names.addAll(ds.labels(sp).names());
        } catch (DataException noLabels) {
            // a user's own clips without labels: the folders are the clips
        }
        if (names.isEmpty()) {
            throw new DataException(input, "no clip folders (and no labels)",
                    "run OpenFace so that each clip's aligned faces are in " + input + "/<name>/*.bmp (data.md)");
        }
        return new ArrayList<>(names);
    }

    static Path utt(Settings s, String name) {
        return s.features().resolve(s.kind().directory()).resolve(name + ".npy");
    }

    static Path fra(Settings s, String name) {
        return s.features().resolve(s.kind().frameDirectory()).resolve(name + ".npy");
    }

    public static Summary run(Settings s, PrintStream out) {
        List<String> clips = clips(s.root(), s.input());
        List<String> todo = new ArrayList<>();
        for (String c : clips) {
            boolean done = Files.isRegularFile(utt(s, c)) && (!s.frameLevel() || Files.isRegularFile(fra(s, c)));
            if (s.force() || !done) todo.add(c);
        }
        long t0 = System.nanoTime();
        try (TorchScriptModel model = TorchScriptModel.load(s.model(), TorchScriptModel.device(s.device()));
             FeatureFiles.RunLog log = new FeatureFiles.RunLog(s.features().resolve("extract-faces-" + s.kind().id() + ".log"))) {
            FaceExtractor ex = new FaceExtractor(model, s.kind(), s.batchSize(), s.frameLevel());
            log.info("extract faces (" + s.kind().id() + "): " + clips.size() + " clips in " + s.input() + ", " + todo.size() + " to do; model "
                    + s.model() + " on " + model.device() + ", batch " + s.batchSize());
            out.printf("extract faces (%s): %d clips, %d already done%s, %d to do (%s)%n", s.kind().id(), clips.size(), clips.size() - todo.size(),
                    s.force() ? " (ignored: --force)" : "", todo.size(), model.device());
            int[] counts = new int[3]; // processed, failed, noFace
            DataException[] firstError = new DataException[1];
            long t1 = System.nanoTime();
            try (ProgressBar bar = new ProgressBar("faces", todo.size(), "clips", s.quiet())) {
                for (String c : todo) {
                    if (Thread.currentThread().isInterrupted()) throw new IllegalStateException("interrupted");
                    if (firstError[0] != null) break;
                    List<Path> frames = frames(s.input().resolve(c));
                    if (frames.isEmpty()) {
                        counts[2]++;
                        log.warn(c, Files.isDirectory(s.input().resolve(c)) ? "no face frames in " + s.input().resolve(c) + "; wrote zeros"
                                : "no face folder " + s.input().resolve(c) + "; wrote zeros");
                    }
                    ex.add(c, frames, (emb, err) -> {
                        if (err != null) {
                            DataException de = err instanceof DataException d ? d : new DataException(s.input().resolve(c), String.valueOf(err.getMessage()),
                                    "check the clip's frames", err);
                            counts[1]++;
                            log.error(c, de.getMessage());
                            if (!s.keepGoing() && firstError[0] == null) firstError[0] = de;
                        } else {
                            FeatureFiles.writeNpy(utt(s, emb.name()), emb.mean(), emb.mean().length);
                            if (s.frameLevel()) FeatureFiles.writeNpy(fra(s, emb.name()), emb.frames(), emb.frameCount(), s.kind().dim());
                            counts[0]++;
                        }
                        bar.step();
                    });
                }
                if (firstError[0] == null) ex.flush();
            }
            if (firstError[0] != null) throw firstError[0];
            double secs = (System.nanoTime() - t1) / 1e9;
            Summary sum = new Summary(clips.size(), counts[0], clips.size() - todo.size(), counts[1], counts[2], ex.framesRun(), secs, log.file());
            log.info(String.format(Locale.ROOT, "done: %d clips (%d frames) in %.1f s, %.2f clips/s; %d without a face, %d failed",
                    sum.processed(), sum.frames(), secs, sum.clipsPerSecond(), sum.noFace(), sum.failed()));
            out.printf(Locale.ROOT, "extract faces (%s): %d clips (%d frames) in %.1f s, %.2f clips/s, %.1f frames/s (%.1f s of setup)%s%s%n",
                    s.kind().id(), sum.processed(), sum.frames(), secs, sum.clipsPerSecond(), secs > 0 ? sum.frames() / secs : 0, (t1 - t0) / 1e9,
                    sum.noFace() > 0 ? "; " + sum.noFace() + " without a face (zeros)" : "",
                    log.warnings() + log.errors() > 0 ? "; see " + log.file() : "");
            return sum;
        }
    }
}
