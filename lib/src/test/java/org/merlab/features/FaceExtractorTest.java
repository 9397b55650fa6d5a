package org.merlab.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.data.DataException;

/**
 * Tiny stand-ins with MANet's and ResNet-FER's input/output contracts (not their architectures),
 * traced by PyTorch 1.13: Java's preprocessing + DJL forward + frame mean match PyTorch on PIL-resized
 * frames to 1e-4, whatever the batch size (batches span clips).
 */
class FaceExtractorTest {
    @TempDir
    Path tmp;

    private static Map<String, FaceExtractor.ClipEmbedding> run(FaceExtractor ex, List<String> clips) {
        Map<String, FaceExtractor.ClipEmbedding> out = new HashMap<>();
        for (String c : clips) {
            ex.add(c, FaceExtraction.frames(FeatureFixtures.file("faces").resolve(c)), (e, err) -> {
                assertNull(err);
                out.put(e.name(), e);
            });
        }
        ex.flush();
        return out;
    }

    @Test
    void embeddingsMatchPyTorchForBothKindsAndAnyBatchSize() {
        FeatureFixtures.Arrays expected = FeatureFixtures.npz("faces_expected.npz");
        for (FaceModelKind kind : FaceModelKind.values()) {
            String key = kind == FaceModelKind.MANET ? "manet" : "resnet_fer";
            try (TorchScriptModel m = TorchScriptModel.load(FeatureFixtures.file("tiny_" + key + ".pt"), Device.cpu())) {
                for (int batch : new int[] {1, 3, 32}) {
                    Map<String, FaceExtractor.ClipEmbedding> got = run(new FaceExtractor(m, kind, batch, true),
                            List.of("clip_a", "clip_empty", "clip_b"));
                    for (String clip : List.of("clip_a", "clip_b")) {
                        double d = FeatureFixtures.maxAbsDiff(got.get(clip).mean(), expected.f(key + "__" + clip));
                        assertTrue(d < 1e-4, kind + " batch " + batch + " " + clip + ": max |diff| " + d);
                        if (batch == 32) System.out.printf("%s %s: max |Java - PyTorch| = %.2e%n", kind, clip, d);
                    }
                    assertEquals(4, got.get("clip_a").frameCount());
                    assertEquals(4 * kind.dim(), got.get("clip_a").frames().length);
                    assertArrayEquals(new float[kind.dim()], got.get("clip_empty").mean(), "no face: zeros");
                }
            }
        }
    }

    @Test
    void wrongKindFailsClearly() throws IOException {
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir);
        Files.copy(FeatureFixtures.file("tiny_manet.pt"), dir.resolve("face.pt"));
        try (TorchScriptModel m = TorchScriptModel.load(dir.resolve("face.pt"), Device.cpu())) {
            DataException e = assertThrows(DataException.class, () -> new FaceExtractor(m, FaceModelKind.RESNET_FER, 4, false));
            assertTrue(e.getMessage().contains("1024-d embeddings") && e.getMessage().contains("--kind manet"), e.getMessage());
        }
        try (TorchScriptModel m = TorchScriptModel.load(FeatureFixtures.file("tiny_manet.pt"), Device.cpu())) {
            DataException e = assertThrows(DataException.class, () -> new FaceExtractor(m, FaceModelKind.RESNET_FER, 4, false));
            assertTrue(e.getMessage().contains("exported as 'manet'"), e.getMessage());
        }
        try (TorchScriptModel m = TorchScriptModel.load(FeatureFixtures.file("tiny_hubert.pt"), Device.cpu())) {
            assertThrows(DataException.class, () -> new FaceExtractor(m, FaceModelKind.MANET, 4, false));
        }
    }

    @Test
    void aBadFrameFailsOnlyItsClip() throws IOException {
        Path faces = tmp.resolve("faces");
        Path good = faces.resolve("good");
        Path bad = faces.resolve("bad");
        Files.createDirectories(good);
        Files.createDirectories(bad);
        Files.copy(FeatureFixtures.file("faces/clip_a/frame_det_00_000001.bmp"), good.resolve("1.bmp"));
        Files.copy(FeatureFixtures.file("faces/clip_a/frame_det_00_000001.bmp"), bad.resolve("1.bmp"));
        Files.writeString(bad.resolve("2.bmp"), "broken");
        try (TorchScriptModel m = TorchScriptModel.load(FeatureFixtures.file("tiny_manet.pt"), Device.cpu())) {
            FaceExtractor ex = new FaceExtractor(m, FaceModelKind.MANET, 8, false);
            Map<String, Object> results = new HashMap<>();
            for (String c : List.of("bad", "good")) {
                ex.add(c, FaceExtraction.frames(faces.resolve(c)), (e, err) -> results.put(c, err != null ? err : e));
            }
            ex.flush();
            assertTrue(results.get("bad") instanceof DataException d && d.getMessage().contains("2.bmp"), String.valueOf(results.get("bad")));
            assertTrue(results.get("good") instanceof FaceExtractor.ClipEmbedding);
        }
    }
}
