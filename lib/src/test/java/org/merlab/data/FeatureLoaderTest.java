package org.merlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureLoaderTest {
    @TempDir
    Path dir;

    private void put(String sample, String fixture) throws Exception {
        Files.copy(Fixtures.data("npy/" + fixture), dir.resolve(sample + ".npy"));
    }

    @Test
    void loadsRowsInNameOrderAndAveragesFrames() throws Exception {
        put("a", "f4.npy");
        put("b", "frames.npy");
        FeatureMatrix m = FeatureLoader.load(dir, "X", List.of("b", "a"));
        assertEquals(2, m.rows());
        assertEquals(16, m.dim());
        assertArrayEquals(Npy.read(Fixtures.data("npy/frames_mean.npy")).data(), m.row(0), 1e-6f, "mean over frames");
        assertArrayEquals(Npy.read(Fixtures.data("npy/f4.npy")).data(), m.row(1), 0f);
        assertArrayEquals(m.row(1), java.util.Arrays.copyOf(m.gather(new int[] {1, 0}), 16), 0f);
    }

    @Test
    void missingFeatureFileForALabelledSample() throws Exception {
        put("a", "f4.npy");
        DataException e = assertThrows(DataException.class, () -> FeatureLoader.load(dir, "X", List.of("a", "zzz")));
        assertEquals(dir.resolve("zzz.npy"), e.file());
        assertTrue(e.getMessage().contains("missing feature file for a labelled sample"), e.getMessage());
    }

    @Test
    void dimsDifferingAcrossSamples() throws Exception {
        put("a", "f4.npy");
        put("b", "dim8.npy");
        DataException e = assertThrows(DataException.class, () -> FeatureLoader.load(dir, "X", List.of("a", "b")));
        assertTrue(e.getMessage().contains("feature dim 8 differs from 16"), e.getMessage());
        assertEquals(dir.resolve("b.npy"), e.file());
    }

    @Test
    void nanAndInfAreRejected() throws Exception {
        put("a", "nan.npy");
        put("b", "inf.npy");
        assertTrue(assertThrows(DataException.class, () -> FeatureLoader.load(dir, "X", List.of("a"))).getMessage().contains("non-finite value (NaN) at index 3"));
        assertTrue(assertThrows(DataException.class, () -> FeatureLoader.load(dir, "X", List.of("b"))).getMessage().contains("non-finite value (Infinity) at index 5"));
    }

    @Test
    void missingDirectory() {
        DataException e = assertThrows(DataException.class, () -> FeatureLoader.load(dir.resolve("nope"), "X", List.of("a")));
        assertTrue(e.getMessage().contains("feature directory not found"));
    }

    @Test
    void featureNamesMapToTheOfficialDirectories() {
        assertEquals("chinese-hubert-large-L18-UTT", FeatureName.parse("HL(18)").directory());
        assertEquals("chinese-hubert-large-L0-UTT", FeatureName.parse("HL0").directory());
        assertEquals("chinese-hubert-large-UTT", FeatureName.parse("HL").directory());
        assertEquals("manet_UTT", FeatureName.parse("MR").directory());
        assertEquals("resnet50face_UTT", FeatureName.parse("RF").directory());
        assertEquals("my-own-UTT", FeatureName.parse("my-own-UTT").directory());
        assertThrows(IllegalArgumentException.class, () -> FeatureName.parse("HL25"));
    }
}
