package org.merlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sum(...)} and {@code concat(...)}: the summed and concatenated layer inputs of the layer-combination ablation. */
class DerivedFeatureTest {
    @TempDir
    Path root;
    MerDataset ds;

    @BeforeEach
    void dataset() throws Exception {
        Path release = Files.createDirectories(root.resolve(MerDataset.RELEASE_DIR));
        Files.writeString(release.resolve("train-label.csv"), "name,discrete,valence\nb,happy,2.0\na,sad,-1.5\n");
        write("chinese-hubert-large-L18-UTT", "a", 1, 2, 3);
        write("chinese-hubert-large-L18-UTT", "b", 4, 5, 6);
        write("chinese-hubert-large-L19-UTT", "a", 10, 20, 30);
        write("chinese-hubert-large-L19-UTT", "b", 40, 50, 60);
        write("manet_UTT", "a", 7, 8);
        write("manet_UTT", "b", 9, 0.5f);
        ds = MerDataset.open(root);
    }

    private void write(String dir, String sample, float... v) throws Exception {
        Path d = Files.createDirectories(root.resolve(MerDataset.PROCESS_DIR).resolve("features").resolve(dir));
        Npy.write(d.resolve(sample + ".npy"), v, v.length);
    }

    @Test
    void parsesToACanonicalName() {
        FeatureName f = FeatureName.parse(" sum( HL(18), HL19 ) ");
        assertEquals("sum(HL18,HL19)", f.shortName());
        assertEquals(f.shortName(), f.directory());
        assertEquals(FeatureName.Combination.SUM, f.combination());
        assertEquals(List.of("chinese-hubert-large-L18-UTT", "chinese-hubert-large-L19-UTT"), f.directories());
        assertTrue(f.isAudio());
        FeatureName c = FeatureName.parse("concat(HL18,MR)");
        assertEquals(FeatureName.Combination.CONCAT, c.combination());
        assertFalse(c.isAudio(), "a mix of audio and video is not an audio feature");
        assertFalse(FeatureName.parse("HL18").isDerived());
        assertThrows(IllegalArgumentException.class, () -> FeatureName.parse("sum(HL18)"));
        assertThrows(IllegalArgumentException.class, () -> FeatureName.parse("sum(HL18,)"));
        assertThrows(IllegalArgumentException.class, () -> FeatureName.parse("concat(HL18,sum(HL19,HL20))"));
        assertThrows(IllegalArgumentException.class, () -> FeatureName.parse("sum(HL18,HL25)"));
    }

    @Test
    void sumAddsPartsElementWiseInLabelOrder() {
        FeatureMatrix m = ds.features("sum(HL18,HL19)", Split.TRAIN);
        assertEquals(3, m.dim());
        assertEquals(ds.labels(Split.TRAIN).names(), m.names());
        assertArrayEquals(new float[] {44, 55, 66}, m.row(m.names().indexOf("b")), 0f);
        assertArrayEquals(new float[] {11, 22, 33}, m.row(m.names().indexOf("a")), 0f);
        assertSame(m, ds.features("sum(HL18,HL19)", Split.TRAIN), "cached");
        assertArrayEquals(new float[] {4, 5, 6}, ds.features("HL18", Split.TRAIN).row(m.names().indexOf("b")), 0f, "parts untouched");
    }

    @Test
    void concatPutsPartsSideBySide() {
        FeatureMatrix m = ds.features("concat(HL18,MR,HL19)", Split.TRAIN);
        assertEquals(8, m.dim());
        assertArrayEquals(new float[] {4, 5, 6, 9, 0.5f, 40, 50, 60}, m.row(m.names().indexOf("b")), 0f);
        assertArrayEquals(new float[] {1, 2, 3, 7, 8, 10, 20, 30}, m.row(m.names().indexOf("a")), 0f);
    }

    @Test
    void summingDifferentWidthsNamesTheFileAndTheFix() {
        DataException e = assertThrows(DataException.class, () -> ds.features("sum(HL18,MR)", Split.TRAIN));
        assertTrue(e.getMessage().contains("width 2 cannot be summed with HL18's width 3"), e.getMessage());
        assertTrue(e.getMessage().contains("concat(...)"), e.getMessage());
        assertTrue(e.file().endsWith("manet_UTT"), e.file().toString());
    }
}
