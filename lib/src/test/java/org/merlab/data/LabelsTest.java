package org.merlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsTest {
    @TempDir
    Path dir;

    @Test
    void readsTheMer2023NpzMadeByNumPy() {
        Map<Split, LabelSet> all = NpzLabels.read(Fixtures.data("label-6way.npz"));
        assertEquals(List.of(Split.TRAIN, Split.TEST1, Split.TEST3), List.copyOf(all.keySet()));
        LabelSet train = all.get(Split.TRAIN);
        assertEquals(List.of("sample_00000001", "sample_00000002", "sample_00000003"), train.names(), "sorted by name");
        assertEquals(new Label(Emotion.ANGRY, -2.5), train.get("sample_00000001"));
        assertEquals(new Label(Emotion.HAPPY, 1.75), train.get("sample_00000002"), "np.float64 value");
        assertEquals(new Label(Emotion.SURPRISE, 0.25), train.get("sample_00000003"));
        Label unknown = all.get(Split.TEST3).get("samplenew_00000001");
        assertEquals(Emotion.WORRIED, unknown.emotion());
        assertFalse(unknown.hasValence(), "-10 means unknown");
        assertFalse(all.get(Split.TEST3).hasValence());
    }

    @Test
    void npzRoundTripsAndIsByteIdentical() throws Exception {
        Map<Split, LabelSet> all = NpzLabels.read(Fixtures.data("label-6way.npz"));
        Path a = dir.resolve("a.npz"), b = dir.resolve("b.npz");
        NpzLabels.write(a, all);
        NpzLabels.write(b, all);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        Map<Split, LabelSet> back = NpzLabels.read(a);
        for (Split s : all.keySet()) {
            assertEquals(all.get(s).names(), back.get(s).names());
            for (String n : all.get(s).names()) assertEquals(all.get(s).get(n), back.get(s).get(n));
        }
    }

    @Test
    void readsCsvWithColumnsInAnyOrder() throws Exception {
        Path csv = write("valence,name,discrete\n-1.25,b,Sad\n0.5,a,neutral\n");
        LabelSet s = CsvLabels.read(csv, Split.TRAIN);
        assertEquals(List.of("a", "b"), s.names());
        assertEquals(new Label(Emotion.SAD, -1.25), s.get("b"));
        assertArrayEquals(new int[] {Emotion.NEUTRAL.ordinal(), Emotion.SAD.ordinal()}, s.classes());
    }

    @Test
    void csvWithoutValenceHasUnknownValence() throws Exception {
        LabelSet s = CsvLabels.read(write("name,discrete\na,happy\n"), Split.TEST3);
        assertFalse(s.hasValence());
    }

    @Test
    void unknownEmotionNamesTheFileTheSampleAndTheChoices() throws Exception {
        Path csv = write("name,discrete,valence\na,happy,1\nb,joyful,2\n");
        String msg = assertThrows(DataException.class, () -> CsvLabels.read(csv, Split.TRAIN)).getMessage();
        assertTrue(msg.startsWith(csv + ": unknown emotion label 'joyful' for sample b"), msg);
        assertTrue(msg.contains("neutral, angry, happy, sad, worried, surprise"), msg);
    }

    @Test
    void valenceOutOfRangeIsRejected() throws Exception {
        Path csv = write("name,discrete,valence\na,happy,5.5\n");
        String msg = assertThrows(DataException.class, () -> CsvLabels.read(csv, Split.TRAIN)).getMessage();
        assertTrue(msg.contains("valence 5.5 out of range [-5, 5] for sample a"), msg);
    }

    @Test
    void duplicateNamesAreRejected() throws Exception {
        Path csv = write("name,discrete,valence\na,happy,1\na,sad,-1\n");
        String msg = assertThrows(DataException.class, () -> CsvLabels.read(csv, Split.TRAIN)).getMessage();
        assertTrue(msg.contains("duplicate sample name 'a'"), msg);
    }

    @Test
    void badHeaderAndNonNumericValence() throws Exception {
        Path noHeader = write("file,emotion\na,happy\n");
        assertTrue(assertThrows(DataException.class, () -> CsvLabels.read(noHeader, Split.TRAIN)).getMessage().contains("'name' and 'discrete'"));
        Path text = write("name,discrete,valence\na,happy,high\n");
        assertTrue(assertThrows(DataException.class, () -> CsvLabels.read(text, Split.TRAIN)).getMessage().contains("line 2: valence 'high' is not a number"));
    }

    @Test
    void corruptNpzIsADataException() throws Exception {
        Path bad = dir.resolve("label-6way.npz");
        byte[] good = Files.readAllBytes(Fixtures.data("label-6way.npz"));
        Files.write(bad, java.util.Arrays.copyOf(good, good.length / 2));
        DataException e = assertThrows(DataException.class, () -> NpzLabels.read(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
    }

    private Path write(String text) throws Exception {
        Path p = Files.createTempFile(dir, "labels", ".csv");
        Files.writeString(p, text);
        return p;
    }
}
