package org.merlab.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.cli.Main;
import org.merlab.data.Npy;
import org.merlab.data.NpyArray;

/** {@code merlab extract audio|faces} end to end on a dataset laid out as data.md says. */
class ExtractCommandTest {
    @TempDir
    Path root;

    Path audio;
    Path faces;
    Path features;
    String out;
    String err;

    @BeforeEach
    void layout() throws IOException {
        audio = root.resolve("dataset-process/audio");
        faces = root.resolve("dataset-process/openface_face");
        features = root.resolve("dataset-process/features");
        Files.createDirectories(audio);
        for (String c : List.of("a16k_s16", "a8k_u8", "a44k_s24_stereo")) {
            Files.copy(FeatureFixtures.file("audio/" + c + ".wav"), audio.resolve(c + ".wav"));
        }
        for (String c : List.of("clip_a", "clip_b", "clip_empty")) {
            Path d = Files.createDirectories(faces.resolve(c));
            try (Stream<Path> s = Files.list(FeatureFixtures.file("faces/" + c))) {
                for (Path f : s.toList()) Files.copy(f, d.resolve(f.getFileName()));
            }
        }
    }

    private int merlab(String... args) {
        PrintStream o = System.out, e = System.err;
        ByteArrayOutputStream bo = new ByteArrayOutputStream(), be = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(bo, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(be, true, StandardCharsets.UTF_8));
            return Main.run(args);
        } finally {
            System.setOut(o);
            System.setErr(e);
            out = bo.toString(StandardCharsets.UTF_8);
            err = be.toString(StandardCharsets.UTF_8);
        }
    }

    private String[] audioArgs(String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("extract", "audio", "--data", root.toString(), "--model",
                FeatureFixtures.file("tiny_hubert.pt").toString(), "--chunk-seconds", "0", "-q", "--device", "cpu"));
        a.addAll(List.of(extra));
        if (!a.contains("--layers")) a.addAll(List.of("--layers", "0-3"));
        return a.toArray(String[]::new);
    }

    @Test
    void audioWritesEveryLayerResumesAndForces() throws IOException {
        assertEquals(0, merlab(audioArgs("--frame-level")), out + err);
        FeatureFixtures.Arrays expected = FeatureFixtures.npz("audio_expected.npz");
        for (int k = 0; k < 4; k++) {
            NpyArray a = Npy.read(features.resolve("chinese-hubert-large-L" + k + "-UTT/a16k_s16.npy"));
            assertArrayEquals(new int[] {32}, a.shape());
            assertTrue(FeatureFixtures.maxAbsDiff(a.data(), expected.f("a16k_s16__L" + k)) < 1e-4);
            NpyArray f = Npy.read(features.resolve("chinese-hubert-large-L" + k + "-FRA/a16k_s16.npy"));
            assertArrayEquals(new int[] {114, 32}, f.shape());
            assertTrue(FeatureFixtures.maxAbsDiff(f.data(), expected.f("frames__L" + k)) < 1e-4);
            assertTrue(FeatureFixtures.maxAbsDiff(Npy.read(features.resolve("chinese-hubert-large-L" + k + "-UTT/a8k_u8.npy")).data(),
                    expected.f("a8k_u8__L" + k)) < 1e-4);
        }
        // the model's last layer (3 here, 24 for HuBERT-large) is also the official chinese-hubert-large-UTT
        assertArrayEquals(Npy.read(features.resolve("chinese-hubert-large-L3-UTT/a44k_s24_stereo.npy")).data(),
                Npy.read(features.resolve("chinese-hubert-large-UTT/a44k_s24_stereo.npy")).data());
        assertArrayEquals(new int[] {114, 32}, Npy.read(features.resolve("chinese-hubert-large-FRA/a16k_s16.npy")).shape());
        assertTrue(out.contains("3 clips"), out);

        // resumable: nothing to do, then only the clip whose output went missing
        assertEquals(0, merlab(audioArgs("--frame-level")));
        assertTrue(out.contains("3 already done") && out.contains("0 to do"), out);
        Files.delete(features.resolve("chinese-hubert-large-L2-FRA/a8k_u8.npy"));
        assertEquals(0, merlab(audioArgs("--frame-level")));
        assertTrue(out.contains("2 already done") && out.contains("1 to do"), out);
        assertTrue(Files.isRegularFile(features.resolve("chinese-hubert-large-L2-FRA/a8k_u8.npy")));
        assertEquals(0, merlab(audioArgs("--force", "--layers", "1")));
        assertTrue(out.contains("3 to do"), out);
        try (Stream<Path> s = Files.walk(features)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".part")), "no partial files left");
        }
    }

    @Test
    void badAudioStopsWithItsNameOrIsLoggedWithKeepGoing() throws IOException {
        Files.writeString(audio.resolve("broken.wav"), "RIFF....WAVEjunk");
        assertEquals(2, merlab(audioArgs()));
        assertTrue(err.lines().anyMatch(l -> l.startsWith("merlab audio: ") && l.contains("broken.wav: not a readable WAV")), err);
        assertEquals(3, merlab(audioArgs("--keep-going")));
        assertTrue(out.contains("1 FAILED"), out);
        String log = Files.readString(features.resolve("extract-audio.log"));
        assertTrue(log.contains("ERROR broken"), log);
        assertTrue(Files.isRegularFile(features.resolve("chinese-hubert-large-L0-UTT/a8k_u8.npy")));
    }

    @Test
    void tooManyLayersIsAClearError() {
        assertEquals(2, merlab(audioArgs("--layers", "0-24")));
        assertTrue(err.contains("returns 4 hidden states") && err.contains("--layers within 0-3"), err);
    }

    @Test
    void facesWriteMeansZerosForNoFaceAndCheckTheKind() throws IOException {
        String model = FeatureFixtures.file("tiny_manet.pt").toString();
        assertEquals(0, merlab("extract", "faces", "--data", root.toString(), "--model", model, "--kind", "manet", "--batch", "3", "-q"), out + err);
        FeatureFixtures.Arrays expected = FeatureFixtures.npz("faces_expected.npz");
        assertTrue(FeatureFixtures.maxAbsDiff(Npy.read(features.resolve("manet_UTT/clip_a.npy")).data(), expected.f("manet__clip_a")) < 1e-4);
        assertTrue(FeatureFixtures.maxAbsDiff(Npy.read(features.resolve("manet_UTT/clip_b.npy")).data(), expected.f("manet__clip_b")) < 1e-4);
        assertArrayEquals(new float[1024], Npy.read(features.resolve("manet_UTT/clip_empty.npy")).data());
        assertTrue(out.contains("1 without a face"), out);
        assertTrue(Files.readString(features.resolve("extract-faces-manet.log")).contains("WARN  clip_empty: no face frames"));
        assertEquals(0, merlab("extract", "faces", "--data", root.toString(), "--model", model, "--kind", "manet", "-q"));
        assertTrue(out.contains("3 already done"), out);

        assertEquals(2, merlab("extract", "faces", "--data", root.toString(), "--model", model, "--kind", "resnet-fer", "-q"));
        assertTrue(err.contains("exported as 'manet'"), err);
        String rf = FeatureFixtures.file("tiny_resnet_fer.pt").toString();
        assertEquals(0, merlab("extract", "faces", "--data", root.toString(), "--model", rf, "--kind", "resnet-fer", "-q", "--frame-level"));
        assertArrayEquals(new int[] {4, 512}, Npy.read(features.resolve("resnet50face_FRA/clip_a.npy")).shape());
        assertTrue(FeatureFixtures.maxAbsDiff(Npy.read(features.resolve("resnet50face_UTT/clip_b.npy")).data(), expected.f("resnet_fer__clip_b")) < 1e-4);
    }

    @Test
    void missingFaceDirectoryIsAnErrorNotAllZeros() {
        String model = FeatureFixtures.file("tiny_manet.pt").toString();
        assertEquals(2, merlab("extract", "faces", "--data", root.toString(), "--model", model, "--kind", "manet", "-q", "--input",
                root.resolve("nowhere").toString()));
        assertTrue(err.contains("face-frame directory not found"), err);
    }

    @Test
    void unreadableFrameIsAClearError() throws IOException {
        Files.writeString(faces.resolve("clip_b/zz_broken.bmp"), "not an image");
        String model = FeatureFixtures.file("tiny_manet.pt").toString();
        assertEquals(2, merlab("extract", "faces", "--data", root.toString(), "--model", model, "--kind", "manet", "-q"));
        assertTrue(err.contains("zz_broken.bmp"), err);
        assertEquals(3, merlab("extract", "faces", "--data", root.toString(), "--model", model, "--kind", "manet", "-q", "--keep-going"));
        assertTrue(Files.isRegularFile(features.resolve("manet_UTT/clip_a.npy")));
        assertFalse(Files.exists(features.resolve("manet_UTT/clip_b.npy")));
    }
}
