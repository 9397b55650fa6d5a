package org.merlab.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.data.Emotion;
import org.merlab.data.FeatureMatrix;
import org.merlab.data.LabelSet;
import org.merlab.data.MerDataset;
import org.merlab.data.Split;

class MerSimTest {
    @TempDir
    Path dir;

    private static final SimSpec TINY = SimSpec.defaults().withSizes(120, 30, 31);

    @Test
    void fullSizeHasTheMer2023ClassCountsAndValenceStatistics() {
        List<MerSim.Clip> clips = new MerSim(SimSpec.defaults()).clips();
        int[] counts = new int[6];
        double sum = 0, sq = 0;
        int n = 0;
        double[] classSum = new double[6];
        for (MerSim.Clip c : clips) {
            if (c.split() != Split.TRAIN) continue;
            counts[c.emotion().ordinal()]++;
            classSum[c.emotion().ordinal()] += c.valence();
            sum += c.valence();
            sq += c.valence() * c.valence();
            n++;
            assertEquals(0, (c.valence() * 4) % 1, 0, "valence in steps of 0.25");
            assertTrue(c.valence() >= -5 && c.valence() <= 5);
        }
        assertArrayEquals(new int[] {871, 822, 689, 383, 462, 146}, counts);
        double mean = sum / n, var = sq / n - mean * mean;
        assertEquals(-0.691, mean, 0.1, "train valence mean (data.md)");
        assertEquals(3.197, var, 0.3, "train valence variance (data.md)");
        for (int c = 0; c < 6; c++) {
            assertEquals(MerSim.CLASS_VALENCE[c], classSum[c] / counts[c], 0.15, "mean valence of " + Emotion.ofIndex(c));
        }
        assertEquals(411, clips.stream().filter(c -> c.split() == Split.TEST1).count());
        assertEquals(412, clips.stream().filter(c -> c.split() == Split.TEST2).count());
    }

    @Test
    void writesTheMer2023LayoutThatMerDatasetReads() throws Exception {
        Path root = dir.resolve("sim");
        SimWriter.writeIfNeeded(new MerSim(TINY), root, false, i -> {});
        MerDataset ds = MerDataset.open(root);
        assertEquals(List.of(Split.TRAIN, Split.TEST1, Split.TEST2), ds.splits());
        assertEquals(28, ds.featureDirectories().size(), "25 layers + last + MANet + ResNet-FER");
        assertEquals(1024, ds.features("HL18", Split.TRAIN).dim());
        assertEquals(1024, ds.features("MR", Split.TEST1).dim());
        assertEquals(512, ds.features("RF", Split.TEST2).dim());
        assertArrayEquals(ds.features("HL24", Split.TRAIN).data(), ds.features("HL", Split.TRAIN).data(), 0f, "HL = last layer");
        LabelSet csv = org.merlab.data.CsvLabels.read(root.resolve("dataset-release/train-label.csv"), Split.TRAIN);
        assertEquals(ds.labels(Split.TRAIN).names(), csv.names(), "npz and CSV labels agree");
        for (String n : csv.names()) assertEquals(ds.labels(Split.TRAIN).get(n), csv.get(n));
        assertTrue(Files.readString(root.resolve(SimWriter.MANIFEST)).contains("Synthetic"));
    }

    @Test
    void sameSeedGivesByteIdenticalFilesAndASecondRunDoesNothing() throws Exception {
        Path a = dir.resolve("a"), b = dir.resolve("b");
        assertEquals(SimWriter.Outcome.WRITTEN, SimWriter.writeIfNeeded(new MerSim(TINY), a, false, i -> {}));
        SimWriter.writeIfNeeded(new MerSim(TINY), b, false, i -> {});
        List<Path> files;
        try (Stream<Path> s = Files.walk(a)) {
            files = s.filter(Files::isRegularFile).map(a::relativize).sorted().toList();
        }
        assertEquals(28 * 181 + 1 + 3 + 1, files.size(), "28 feature dirs, npz, 3 CSVs, manifest");
        for (Path f : files) assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f.toString());
        assertEquals(SimWriter.Outcome.UP_TO_DATE, SimWriter.writeIfNeeded(new MerSim(TINY), a, false, i -> {}));
    }

    @Test
    void otherSeedOtherData() throws Exception {
        Path a = dir.resolve("a"), b = dir.resolve("b");
        SimWriter.writeIfNeeded(new MerSim(TINY), a, false, i -> {});
        SimWriter.writeIfNeeded(new MerSim(TINY.withSeed(7)), b, false, i -> {});
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve("dataset-process/features/manet_UTT/sample_00000001.npy")),
                Files.readAllBytes(b.resolve("dataset-process/features/manet_UTT/sample_00000001.npy"))));
    }

    @Test
    void hubertLayerSignalPeaksInTheMiddleAndNeighboursCorrelate() {
        SimSpec s = SimSpec.defaults();
        int best = 0;
        for (int k = 0; k < 25; k++) if (s.hubertGain(k) > s.hubertGain(best)) best = k;
        assertTrue(best >= 18 && best <= 20, "peak at " + best);
        assertTrue(s.hubertGain(24) < s.hubertGain(19) && s.hubertGain(0) < s.hubertGain(24));

        MerSim sim = new MerSim(s);
        MerSim.ClipFeatures f = sim.features(sim.clips().get(0));
        assertTrue(correlation(f.hubert()[18], f.hubert()[19]) > 0.8, "neighbouring layers correlate");
        assertTrue(correlation(f.hubert()[0], f.hubert()[24]) < correlation(f.hubert()[18], f.hubert()[19]));
    }

    @Test
    void test2AudioIsNoisierThanTest1() throws Exception {
        Path root = dir.resolve("sim");
        SimWriter.writeIfNeeded(new MerSim(SimSpec.defaults().withSizes(60, 200, 200)), root, false, i -> {});
        MerDataset ds = MerDataset.open(root);
        double v1 = variance(ds.features("HL19", Split.TEST1)), v2 = variance(ds.features("HL19", Split.TEST2));
        assertTrue(v2 > 1.5 * v1, "test2 audio variance " + v2 + " vs test1 " + v1);
        double m1 = variance(ds.features("MR", Split.TEST1)), m2 = variance(ds.features("MR", Split.TEST2));
        assertEquals(m1, m2, 0.1 * m1, "video unchanged");
    }

    @Test
    void refusesToOverwriteADirectoryThatIsNotMerSim() throws Exception {
        Path other = dir.resolve("mine");
        Files.createDirectories(other);
        Files.writeString(other.resolve("precious.txt"), "x");
        assertThrows(IllegalArgumentException.class, () -> SimWriter.writeIfNeeded(new MerSim(TINY), other, false, i -> {}));
        assertTrue(Files.exists(other.resolve("precious.txt")));
    }

    private static double variance(FeatureMatrix m) {
        double s = 0, sq = 0;
        for (float x : m.data()) {
            s += x;
            sq += x * x;
        }
        double n = m.data().length;
        return sq / n - (s / n) * (s / n);
    }

    private static double correlation(float[] a, float[] b) {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
