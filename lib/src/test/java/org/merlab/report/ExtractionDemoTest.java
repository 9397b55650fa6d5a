package org.merlab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.data.DataException;
import org.merlab.data.MerDataset;
import org.merlab.data.Split;
import org.merlab.features.AudioExtraction;
import org.merlab.features.FaceExtraction;
import org.merlab.features.FaceModelKind;
import org.merlab.features.WavDecoder;
import tech.tablesaw.api.Table;

/** Notebook 07's helper, without Jupyter: media, model lookup, the scratch root, and the whole run on the fixtures' stand-ins. */
class ExtractionDemoTest {
    static final Path HOME = Path.of("").toAbsolutePath().getParent(); // tests run in lib/

    static Study study(Path results) {
        return Study.open("07-feature-extraction", Map.of("MERLAB_ROOT", HOME.toString(), "MERLAB_RESULTS", results.toString(),
                "MERLAB_PROFILE", "quick"));
    }

    @Test
    void mediaDecodeAsDeclaredAndTheRootOpensAsADataset(@TempDir Path results) {
        ExtractionDemo demo = ExtractionDemo.open(study(results), null);
        Table media = demo.writeMedia();
        assertEquals(DemoClips.CLIPS.size(), media.rowCount());
        Path audio = demo.root().resolve("dataset-process/audio");
        for (DemoClips.Clip c : DemoClips.CLIPS) {
            WavDecoder.Audio a = WavDecoder.read(audio.resolve(c.name() + ".wav"));
            assertEquals(c.sampleRate(), a.sampleRate(), c.name());
            assertEquals(c.channels(), a.channels(), c.name());
            assertEquals(c.encoding(), a.encoding(), c.name());
            assertEquals(Math.round(c.seconds() * c.sampleRate()), a.samples().length, c.name());
            float peak = 0;
            for (float v : a.samples()) peak = Math.max(peak, Math.abs(v));
            assertTrue(peak > 0.05 && peak <= 1, c.name() + " peak " + peak);
            assertEquals(c.faceFrames(), FaceExtraction.frames(demo.root().resolve("dataset-process/openface_face").resolve(c.name())).size());
        }
        MerDataset ds = MerDataset.open(demo.root());
        assertEquals(List.of(demo.clipNames()), ds.labels(Split.TRAIN).names());
    }

    @Test
    void exportedModelsAreUsedWhereTheyExistAndStandInsElsewhere(@TempDir Path results, @TempDir Path models) throws Exception {
        Files.writeString(models.resolve("manet.pt"), "not read here");
        ExtractionDemo demo = ExtractionDemo.open(study(results), models.toString());
        assertFalse(demo.faceModel(FaceModelKind.MANET).standIn());
        assertEquals(models.resolve("manet.pt"), demo.faceModel(FaceModelKind.MANET).file());
        assertTrue(demo.hubert().standIn());
        assertTrue(demo.faceModel(FaceModelKind.RESNET_FER).standIn());
        assertTrue(demo.toHtml().contains("Stand-in models"), "says so");
        assertThrows(DataException.class, () -> ExtractionDemo.open(study(results), models.resolve("missing").toString()));
    }

    @Test
    void theScratchRootIsEmptiedOnlyWhenItIsOurs(@TempDir Path results) throws Exception {
        Path root = results.resolve("scratch/07-feature-extraction");
        Files.createDirectories(root);
        Files.writeString(root.resolve("keep.txt"), "someone's");
        assertThrows(DataException.class, () -> ExtractionDemo.open(study(results), null));
        assertTrue(Files.isRegularFile(root.resolve("keep.txt")), "left alone");
        Files.delete(root.resolve("keep.txt"));
        ExtractionDemo demo = ExtractionDemo.open(study(results), null);
        demo.writeMedia();
        ExtractionDemo.open(study(results), null);
        try (var s = Files.list(root)) {
            assertEquals(List.of(root.resolve(ExtractionDemo.MARKER)), s.toList(), "emptied, marker kept");
        }
    }

    @Test
    void theNotebooksRunOnTheStandIns(@TempDir Path results) {
        ExtractionDemo demo = ExtractionDemo.open(study(results), null);
        demo.writeMedia();
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        List<AudioExtraction.Clip> clips = new ArrayList<>();
        AudioExtraction.Summary audio = AudioExtraction.run(demo.audioSettings(), out, clips::add);
        assertEquals(5, clips.size());
        Table perClip = ExtractionDemo.audioClips(clips);
        for (int i = 0; i < clips.size(); i++) {
            AudioExtraction.Clip c = clips.get(i);
            assertEquals(Math.round(c.seconds() * 16000), c.samples16k(), c.name());
            assertEquals((c.samples16k() - 400) / 320 + 1, c.frames(), c.name());
            assertEquals(c.frames(), perClip.intColumn("frames").get(i));
        }
        List<FaceExtraction.Summary> faces = new ArrayList<>();
        for (FaceModelKind k : FaceModelKind.values()) faces.add(FaceExtraction.run(demo.faceSettings(k), out));
        assertEquals(1, faces.get(0).noFace(), "the clip without a face");

        Table resume = demo.rerun(audio, faces);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, resume.intColumn("2nd run: processed").get(i));
            assertEquals(5, resume.intColumn("2nd run: skipped").get(i));
            assertEquals(0, resume.intColumn("files rewritten").get(i));
        }
        assertEquals(demo.layers().length, demo.perLayer().rowCount());

        MerDataset ds = MerDataset.open(demo.root());
        Table h = demo.headline(ds, audio, faces);
        int layers = demo.layers().length;
        assertEquals(layers + 3, h.rowCount());
        assertEquals(List.of("HL0", "HL1", "HL2", "HL3", "HL", "MR", "RF"), h.stringColumn("feature").asList());
        assertEquals(List.of(32, 32, 32, 32, 32, 1024, 512), h.intColumn("dim").asList());
        assertEquals(h.doubleColumn("mean L2 norm").get(layers - 1), h.doubleColumn("mean L2 norm").get(layers), 0.0);
        assertTrue(demo.aliasCheck(ds).text().contains("largest difference 0"), demo.aliasCheck(ds).text());
    }
}
