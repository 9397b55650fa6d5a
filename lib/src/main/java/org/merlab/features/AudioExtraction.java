package org.merlab.features;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.merlab.data.DataException;
import org.merlab.data.MerDataset;
import org.merlab.util.ProgressBar;

/**
 * {@code extract audio}: every {@code <name>.wav} of a directory (default
 * {@code ROOT/dataset-process/audio}) → per-layer utterance features
 * {@code ROOT/dataset-process/features/<prefix>-L<k>-UTT/<name>.npy} (and {@code -FRA} frame-level
 * ones when asked; the model's last layer also as {@code <prefix>-UTT} / {@code <prefix>-FRA}).
 *
 * <p>Resumable: a clip whose outputs all exist is skipped unless {@code force}. Outputs are written
 * atomically. Unreadable media stop the run with a one-line error naming the file, unless
 * {@code keepGoing}, which logs it and goes on. Warnings (too-short clips, ...) go to
 * {@code features/extract-audio.log}.
 */
public final class AudioExtraction {
    /** The official feature-directory prefix of chinese-hubert-large (data.md). */
    public static final String DEFAULT_PREFIX = "chinese-hubert-large";

    public record Settings(Path root, Path inputDir, Path model, HubertExtractor.Options options, String prefix, boolean force,
                           boolean keepGoing, boolean quiet, String device) {
        public Path features() {
            return root.resolve(MerDataset.PROCESS_DIR).resolve("features");
        }

        public Path input() {
            return inputDir != null ? inputDir : root.resolve(MerDataset.PROCESS_DIR).resolve("audio");
        }
    }

    /** What a run did. {@code audioSeconds} counts the clips processed (not skipped). */
    public record Summary(int clips, int processed, int skipped, int failed, int warnings, double seconds, double audioSeconds,
                          int hiddenStates, Path log) {
        public double clipsPerSecond() {
            return seconds > 0 ? processed / seconds : 0;
        }
    }

    /**
     * One clip a run processed: the WAV as read ({@code sampleRate}, {@code channels}, {@code encoding},
     * {@code seconds}), the 16 kHz samples fed to the model, the frames pooled, the model passes
     * ({@code windows}, more than one when chunked) and the wall time from reading to the written files.
     */
    public record Clip(String name, int sampleRate, int channels, String encoding, double seconds, int samples16k, int frames, int windows,
                       double wallSeconds) {}

    private AudioExtraction() {}

    /** The {@code .wav} files of {@code dir}, sorted by name. */
    public static List<Path> listWavs(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir, "audio directory not found", "put the clips' WAV files there (data.md: dataset-process/audio/<name>.wav)");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav") && !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new DataException(dir, "cannot list: " + e.getMessage(), "check permissions", e);
        }
    }

    public static String clipName(Path wav) {
        String n = wav.getFileName().toString();
        return n.substring(0, n.length() - 4);
    }

    /** Output files of one clip: per asked layer, the UTT file and its alias/FRA files. */
    static List<Path> outputs(Settings s, String name, int lastLayer) {
        List<Path> out = new ArrayList<>();
        for (int k : s.options().layers()) {
            out.add(utt(s, k, name));
            if (k == lastLayer) out.add(s.features().resolve(s.prefix() + "-UTT").resolve(name + ".npy"));
            if (s.options().frameLevel()) {
                out.add(fra(s, k, name));
                if (k == lastLayer) out.add(s.features().resolve(s.prefix() + "-FRA").resolve(name + ".npy"));
            }
        }
        return out;
    }

    static Path utt(Settings s, int layer, String name) {
        return s.features().resolve(s.prefix() + "-L" + layer + "-UTT").resolve(name + ".npy");
    }

    static Path fra(Settings s, int layer, String name) {
        return s.features().resolve(s.prefix() + "-L" + layer + "-FRA").resolve(name + ".npy");
    }

    public static Summary run(Settings s, PrintStream out) {
        return run(s, out, null);
    }

    /** Runs the extraction; {@code onClip} (may be null) hears of every clip processed, in order. */
    public static Summary run(Settings s, PrintStream out, Consumer<Clip> onClip) {
        List<Path> wavs = listWavs(s.input());
        long t0 = System.nanoTime();
        try (TorchScriptModel model = TorchScriptModel.load(s.model(), TorchScriptModel.device(s.device()));
             FeatureFiles.RunLog log = new FeatureFiles.RunLog(s.features().resolve("extract-audio.log"))) {
            HubertExtractor ex = new HubertExtractor(model, s.options());
            int last = ex.lastLayer();
            List<Path> todo = new ArrayList<>();
            for (Path w : wavs) {
                if (s.force() || !outputs(s, clipName(w), last).stream().allMatch(Files::isRegularFile)) todo.add(w);
            }
            log.info("extract audio: " + wavs.size() + " clips in " + s.input() + ", " + todo.size() + " to do; model " + s.model()
                    + " (" + ex.hiddenStates() + " hidden states x " + ex.dim() + ", normalize=" + ex.normalizes() + ", device "
                    + model.device() + "); layers " + java.util.Arrays.toString(s.options().layers()) + "; chunk "
                    + s.options().chunkSeconds() + " s + " + s.options().contextSeconds() + " s context");
            out.printf("extract audio: %d clips, %d already done%s, %d to do (model: %d hidden states x %d, %s)%n", wavs.size(),
                    wavs.size() - todo.size(), s.force() ? " (ignored: --force)" : "", todo.size(), ex.hiddenStates(), ex.dim(), model.device());
            int failed = 0;
            double audioSeconds = 0;
            long t1 = System.nanoTime();
            try (ProgressBar bar = new ProgressBar("audio", todo.size(), "clips", s.quiet())) {
                for (Path wav : todo) {
                    if (Thread.currentThread().isInterrupted()) throw new IllegalStateException("interrupted");
                    String name = clipName(wav);
                    try {
                        Clip c = extractOne(s, ex, wav, name, last, log);
                        audioSeconds += c.seconds();
                        if (onClip != null) onClip.accept(c);
                    } catch (DataException e) {
                        if (!s.keepGoing()) throw e;
                        failed++;
                        log.error(name, e.getMessage());
                    }
                    bar.step();
                }
            }
            double secs = (System.nanoTime() - t1) / 1e9;
            Summary sum = new Summary(wavs.size(), todo.size() - failed, wavs.size() - todo.size(), failed, log.warnings(), secs, audioSeconds,
                    ex.hiddenStates(), log.file());
            log.info(String.format(Locale.ROOT, "done: %d processed (%.1f s of audio) in %.1f s, %.2f clips/s; %d failed, %d warnings",
                    sum.processed(), audioSeconds, secs, sum.clipsPerSecond(), failed, log.warnings()));
            out.printf(Locale.ROOT, "extract audio: %d clips (%.1f s of audio) in %.1f s, %.2f clips/s (%.1f s of setup)%s%s%n", sum.processed(),
                    audioSeconds, secs, sum.clipsPerSecond(), (t1 - t0) / 1e9,
                    failed > 0 ? "; " + failed + " FAILED" : "", log.warnings() + log.errors() > 0 ? "; see " + log.file() : "");
            return sum;
        }
    }

    /** Extracts one clip and says what it was. */
    static Clip extractOne(Settings s, HubertExtractor ex, Path wav, String name, int last, FeatureFiles.RunLog log) {
        long t0 = System.nanoTime();
        WavDecoder.Audio a = WavDecoder.read(wav);
        float[] x = Resampler.resample(a.samples(), a.sampleRate(), HubertExtractor.SAMPLE_RATE);
        int[] layers = s.options().layers();
        List<FeatureFiles.NpyRowWriter> writers = new ArrayList<>();
        try {
            HubertExtractor.FrameSink sink = null;
            if (s.options().frameLevel()) {
                int frames = ex.framesFor(x.length);
                for (int k : layers) writers.add(new FeatureFiles.NpyRowWriter(fra(s, k, name), frames, ex.dim()));
                sink = (i, rows, n) -> writers.get(i).append(rows, n);
            }
            HubertExtractor.Result r = ex.extract(x, sink);
            for (String w : r.warnings()) log.warn(name, w);
            for (int i = 0; i < layers.length; i++) {
                FeatureFiles.writeNpy(utt(s, layers[i], name), r.pooled()[i], ex.dim());
                if (layers[i] == last) FeatureFiles.writeNpy(s.features().resolve(s.prefix() + "-UTT").resolve(name + ".npy"), r.pooled()[i], ex.dim());
            }
            for (int i = 0; i < writers.size(); i++) {
                writers.get(i).commit();
                if (layers[i] == last) FeatureFiles.copy(writers.get(i).file(), s.features().resolve(s.prefix() + "-FRA").resolve(name + ".npy"));
            }
            return new Clip(name, a.sampleRate(), a.channels(), a.encoding(), a.seconds(), x.length, r.frames(), r.windows(),
                    (System.nanoTime() - t0) / 1e9);
        } catch (UncheckedIOException e) {
            throw new DataException(s.features(), e.getMessage(), "check free disk space and permissions", e);
        } finally {
            for (FeatureFiles.NpyRowWriter w : writers) w.close();
        }
    }
}
