package org.merlab.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.merlab.data.Emotion;
import org.merlab.data.FeatureName;
import org.merlab.data.Label;
import org.merlab.data.LabelSet;
import org.merlab.data.MerDataset;
import org.merlab.data.Npy;
import org.merlab.data.NpzLabels;
import org.merlab.data.Split;

/**
 * Generates MER-SIM, the synthetic stand-in for MER 2023, in exactly the MER 2023 layout
 * (data.md): same directories, sample names, dimensions and label file kinds. Deterministic: the
 * same {@link SimSpec} gives byte-identical files, whatever the thread count, because every clip
 * draws from its own random stream derived from (seed, clip index).
 */
public final class MerSim {
    /** Per-class mean valence (data.md), {@link Emotion} order. */
    static final double[] CLASS_VALENCE = {-0.08, -2.50, 1.77, -2.37, -1.01, -0.41};
    static final int HUBERT_DIM = 1024, MANET_DIM = 1024, RESNET_DIM = 512;
    private static final int NUISANCE_DIM = 8;

    private final SimSpec spec;
    private final double[][] centroids;       // class -> latent mean
    private final double[] valenceDirection;  // unit vector: the latent direction within-class valence follows
    private final double[][][] hubertProj;    // layer -> D x (audio latent dims)
    private final double[][] hubertNuisance;  // D x NUISANCE_DIM, shared by all layers (speaker voice)
    private final double[][] manetProj, resnetProj, manetNuisance, resnetNuisance;
    private final double[][] speakerFactors;  // speaker -> nuisance factor

    public MerSim(SimSpec spec) {
        spec.validate();
        this.spec = spec;
        SplittableRandom rng = new SplittableRandom(spec.seed());
        int l = spec.latentDim();
        centroids = new double[Emotion.COUNT][l];
        for (double[] c : centroids) for (int j = 0; j < l; j++) c[j] = spec.classSeparation() * rng.nextGaussian();
        // Three latent axes order the class centroids by mean valence, so classes with close valence
        // are the ones confused (as in MER 2023), and carry the readable within-class valence: one
        // seen by audio only (axis 0), one by both (the first shared axis), one by video only (the
        // last axis). Each modality alone reads two of the three, fused models all three.
        int[] valenceAxes = {0, spec.visualLatentStart(), l - 1};
        double[] centred = centredClassValence();
        valenceDirection = new double[l];
        for (int axis : valenceAxes) {
            for (int c = 0; c < Emotion.COUNT; c++) centroids[c][axis] = spec.classSeparation() * spec.valenceAxisScale() * centred[c];
            valenceDirection[axis] = 1 / Math.sqrt(valenceAxes.length);
        }
        int audioDims = spec.audioLatentEnd();
        int visualDims = l - spec.visualLatentStart();
        // Layers drift smoothly between two random projections: neighbouring layers stay correlated.
        double[][] projA = projection(rng, HUBERT_DIM, audioDims), projB = projection(rng, HUBERT_DIM, audioDims);
        hubertProj = new double[FeatureName.HUBERT_LAYERS][][];
        for (int k = 0; k < FeatureName.HUBERT_LAYERS; k++) {
            double theta = Math.PI / 2 * k / (FeatureName.HUBERT_LAYERS - 1);
            double[][] p = new double[HUBERT_DIM][audioDims];
            for (int i = 0; i < HUBERT_DIM; i++) {
                for (int j = 0; j < audioDims; j++) p[i][j] = Math.cos(theta) * projA[i][j] + Math.sin(theta) * projB[i][j];
            }
            hubertProj[k] = p;
        }
        hubertNuisance = projection(rng, HUBERT_DIM, NUISANCE_DIM);
        manetProj = projection(rng, MANET_DIM, visualDims);
        resnetProj = projection(rng, RESNET_DIM, visualDims);
        manetNuisance = projection(rng, MANET_DIM, NUISANCE_DIM);
        resnetNuisance = projection(rng, RESNET_DIM, NUISANCE_DIM);
        speakerFactors = new double[spec.speakers()][];
        for (int s = 0; s < spec.speakers(); s++) speakerFactors[s] = gaussians(rng, NUISANCE_DIM);
    }

    /** Class mean valences, centred and scaled to unit variance with the train class frequencies. */
    private static double[] centredClassValence() {
        double total = 0, mean = 0, var = 0;
        for (int n : ClassCounts.TRAIN) total += n;
        for (int c = 0; c < Emotion.COUNT; c++) mean += ClassCounts.TRAIN[c] / total * CLASS_VALENCE[c];
        for (int c = 0; c < Emotion.COUNT; c++) var += ClassCounts.TRAIN[c] / total * Math.pow(CLASS_VALENCE[c] - mean, 2);
        double[] out = new double[Emotion.COUNT];
        for (int c = 0; c < Emotion.COUNT; c++) out[c] = (CLASS_VALENCE[c] - mean) / Math.sqrt(var);
        return out;
    }

    public SimSpec spec() {
        return spec;
    }

    /** One clip's ground truth: class, valence, latent state and speaker. */
    record Clip(String name, Split split, Emotion emotion, double valence, double[] latent, int speaker, long stream) {}

    /** The clips of every split, in name order, before any feature is drawn. */
    List<Clip> clips() {
        List<Clip> clips = new ArrayList<>();
        int next = 1;
        SplittableRandom order = new SplittableRandom(spec.seed() ^ 0x5EED5EEDL);
        int[][] counts = {
            ClassCounts.scaled(ClassCounts.TRAIN, spec.train()),
            ClassCounts.scaled(ClassCounts.TEST1, spec.test1()),
            ClassCounts.scaled(ClassCounts.TEST1, spec.test2())
        };
        Split[] splits = {Split.TRAIN, Split.TEST1, Split.TEST2};
        for (int s = 0; s < splits.length; s++) {
            List<Integer> classes = new ArrayList<>();
            for (int c = 0; c < Emotion.COUNT; c++) for (int i = 0; i < counts[s][c]; i++) classes.add(c);
            for (int i = classes.size() - 1; i > 0; i--) {
                int j = order.nextInt(i + 1);
                Integer t = classes.get(i);
                classes.set(i, classes.get(j));
                classes.set(j, t);
            }
            for (int c : classes) {
                long stream = mix(spec.seed(), next);
                clips.add(clip(String.format("sample_%08d", next), splits[s], Emotion.ofIndex(c), stream));
                next++;
            }
        }
        return clips;
    }

    private Clip clip(String name, Split split, Emotion emotion, long stream) {
        SplittableRandom rng = new SplittableRandom(stream);
        int l = spec.latentDim();
        double[] eps = gaussians(rng, l);
        double[] z = new double[l];
        for (int j = 0; j < l; j++) z[j] = centroids[emotion.ordinal()][j] + spec.withinSpread() * eps[j];
        double readable = 0;
        for (int j = 0; j < l; j++) readable += valenceDirection[j] * eps[j];
        double within = spec.valencePredictable() * readable
                + Math.sqrt(1 - spec.valencePredictable() * spec.valencePredictable()) * rng.nextGaussian();
        double v = CLASS_VALENCE[emotion.ordinal()] + spec.valenceWithinSd() * within;
        v = Math.max(Label.MIN_VALENCE, Math.min(Label.MAX_VALENCE, Math.round(v * 4) / 4.0));
        return new Clip(name, split, emotion, v, z, rng.nextInt(spec.speakers()), rng.nextLong());
    }

    /** All features of one clip: HuBERT layers 0..24, MANet, ResNet-FER. */
    record ClipFeatures(float[][] hubert, float[] manet, float[] resnet) {}

    ClipFeatures features(Clip clip) {
        SplittableRandom rng = new SplittableRandom(clip.stream());
        double[] za = slice(clip.latent(), 0, spec.audioLatentEnd());
        double[] zv = slice(clip.latent(), spec.visualLatentStart(), spec.latentDim());
        double[] speaker = speakerFactors[clip.speaker()];
        double audioNoise = spec.audioNoise() * (clip.split() == Split.TEST2 ? spec.test2AudioNoiseFactor() : 1);
        float[][] hubert = new float[FeatureName.HUBERT_LAYERS][HUBERT_DIM];
        double rho = spec.layerNoiseCorrelation(), fresh = Math.sqrt(1 - rho * rho);
        double[] noise = gaussians(rng, HUBERT_DIM);
        for (int k = 0; k < FeatureName.HUBERT_LAYERS; k++) {
            if (k > 0) for (int i = 0; i < HUBERT_DIM; i++) noise[i] = rho * noise[i] + fresh * rng.nextGaussian();
            double gain = spec.hubertGain(k);
            for (int i = 0; i < HUBERT_DIM; i++) {
                hubert[k][i] = (float) (gain * dot(hubertProj[k][i], za)
                        + spec.nuisanceGain() * dot(hubertNuisance[i], speaker) + audioNoise * noise[i]);
            }
        }
        float[] manet = visual(rng, manetProj, manetNuisance, zv, speaker, spec.manetGain());
        float[] resnet = visual(rng, resnetProj, resnetNuisance, zv, speaker, spec.resnetGain());
        return new ClipFeatures(hubert, manet, resnet);
    }

    private float[] visual(SplittableRandom rng, double[][] proj, double[][] nuisance, double[] z, double[] speaker, double gain) {
        float[] out = new float[proj.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (gain * dot(proj[i], z) + spec.nuisanceGain() * dot(nuisance[i], speaker)
                    + spec.visualNoise() * rng.nextGaussian());
        }
        return out;
    }

    /**
     * Writes the dataset under {@code root} in the MER 2023 layout. {@code progress} receives the
     * number of clips done (for a progress bar).
     */
    public void write(Path root, IntConsumer progress) throws IOException {
        List<Clip> clips = clips();
        Path process = root.resolve(MerDataset.PROCESS_DIR);
        Path features = process.resolve("features");
        List<Path> hubertDirs = new ArrayList<>();
        for (int k = 0; k < FeatureName.HUBERT_LAYERS; k++) hubertDirs.add(features.resolve(FeatureName.hubertLayerDirectory(k)));
        Path last = features.resolve(FeatureName.HUBERT_LAST), manet = features.resolve(FeatureName.MANET),
                resnet = features.resolve(FeatureName.RESNET_FER);
        for (Path d : hubertDirs) Files.createDirectories(d);
        for (Path d : List.of(last, manet, resnet, root.resolve(MerDataset.RELEASE_DIR))) Files.createDirectories(d);

        AtomicInteger done = new AtomicInteger();
        IntStream.range(0, clips.size()).parallel().forEach(i -> {
            Clip c = clips.get(i);
            ClipFeatures f = features(c);
            try {
                for (int k = 0; k < FeatureName.HUBERT_LAYERS; k++) Npy.write(hubertDirs.get(k).resolve(c.name() + ".npy"), f.hubert()[k], HUBERT_DIM);
                Npy.write(last.resolve(c.name() + ".npy"), f.hubert()[FeatureName.HUBERT_LAYERS - 1], HUBERT_DIM);
                Npy.write(manet.resolve(c.name() + ".npy"), f.manet(), MANET_DIM);
                Npy.write(resnet.resolve(c.name() + ".npy"), f.resnet(), RESNET_DIM);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            progress.accept(done.incrementAndGet());
        });

        Map<Split, LabelSet> labels = labels(clips);
        labels.put(Split.TEST3, LabelSet.of(Split.TEST3, List.of(), List.of(), null)); // the layout has it; MER-SIM has no test3
        NpzLabels.write(process.resolve(MerDataset.LABEL_NPZ), labels);
        for (Split s : List.of(Split.TRAIN, Split.TEST1, Split.TEST2)) writeCsv(root.resolve(MerDataset.RELEASE_DIR).resolve(s.csvFileName()), labels.get(s));
    }

    static Map<Split, LabelSet> labels(List<Clip> clips) {
        Map<Split, LabelSet> out = new EnumMap<>(Split.class);
        for (Split s : List.of(Split.TRAIN, Split.TEST1, Split.TEST2)) {
            List<String> names = new ArrayList<>();
            List<Label> labels = new ArrayList<>();
            for (Clip c : clips) {
                if (c.split() != s) continue;
                names.add(c.name());
                labels.add(new Label(c.emotion(), c.valence()));
            }
            out.put(s, LabelSet.of(s, names, labels, null));
        }
        return out;
    }

    private static void writeCsv(Path csv, LabelSet set) throws IOException {
        StringBuilder sb = new StringBuilder("name,discrete,valence\n");
        for (String n : set.names()) sb.append(n).append(',').append(set.get(n).emotion().label()).append(',').append(set.get(n).valence()).append('\n');
        Files.writeString(csv, sb);
    }

    // --- small numeric helpers -------------------------------------------------------------

    private static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static double[] gaussians(SplittableRandom rng, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = rng.nextGaussian();
        return out;
    }

    /** A random D x k projection whose rows have unit expected norm, so gains are comparable across dims. */
    private static double[][] projection(SplittableRandom rng, int d, int k) {
        double[][] p = new double[d][k];
        double scale = 1 / Math.sqrt(k);
        for (double[] row : p) for (int j = 0; j < k; j++) row[j] = scale * rng.nextGaussian();
        return p;
    }

    private static double[] slice(double[] v, int from, int to) {
        double[] out = new double[to - from];
        System.arraycopy(v, from, out, 0, out.length);
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
