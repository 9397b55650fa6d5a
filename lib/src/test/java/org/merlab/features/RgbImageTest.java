package org.merlab.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.data.DataException;

/** Image reading and PIL-exact preprocessing (bit-identical uint8 images). */
class RgbImageTest {
    @TempDir
    Path tmp;

    private static final FeatureFixtures.Arrays EXPECTED = FeatureFixtures.npz("faces_expected.npz");

    private static RgbImage fixtureImage(String key) {
        long[] s = EXPECTED.shape(key);
        return RgbImage.of((int) s[1], (int) s[0], EXPECTED.b(key));
    }

    private static byte[] sha256(byte[] b) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Test
    void bilinearResizeMatchesPilExactly() {
        RgbImage src = fixtureImage("odd__src");
        assertArrayEquals(EXPECTED.b("odd__up"), src.resizeBilinear(61, 50).data(), "37x23 -> 61x50 (upscale)");
        assertArrayEquals(EXPECTED.b("odd__down"), src.resizeBilinear(16, 11).data(), "37x23 -> 16x11 (downscale, antialiased)");
        assertArrayEquals(EXPECTED.b("odd__resnetsrc"), src.resizeBilinear(112, 120).data(), "37x23 -> 112x120");
    }

    @Test
    void modelPreprocessingMatchesTorchvisionOnPilImages() throws NoSuchAlgorithmException {
        RgbImage frame = RgbImage.read(FeatureFixtures.file("faces/clip_a/frame_det_00_000001.bmp"));
        assertEquals(112, frame.width());
        RgbImage manet = FaceModelKind.MANET.resize(frame);
        byte[] rows = Arrays.copyOfRange(manet.data(), 100 * 224 * 3, 104 * 224 * 3);
        assertArrayEquals(EXPECTED.b("pil__manet_rows"), rows, "rows 100..103 of Resize((224, 224))");
        assertArrayEquals(EXPECTED.b("pil__manet_sha256"), sha256(manet.data()), "Resize((224, 224))");
        assertArrayEquals(EXPECTED.b("pil__resnet_sha256"), sha256(FaceModelKind.RESNET_FER.resize(frame).data()),
                "Resize(256) + CenterCrop(224)");
        RgbImage tall = fixtureImage("odd__resnetsrc");
        RgbImage r = FaceModelKind.RESNET_FER.resize(tall);
        assertEquals(224, r.width());
        assertEquals(224, r.height());
        assertArrayEquals(EXPECTED.b("odd__resnet_sha256"), sha256(r.data()), "112x120 -> 256x274 -> crop 224");
    }

    @Test
    void inputTensorsAreChwWithEachModelsScaling() {
        RgbImage frame = RgbImage.read(FeatureFixtures.file("faces/clip_a/frame_det_00_000001.bmp"));
        int plane = 224 * 224;
        float[] m = new float[3 * plane];
        FaceModelKind.MANET.toInput(frame, m, 0);
        RgbImage r = FaceModelKind.MANET.resize(frame);
        assertEquals(r.get(5, 7, 1) / 255f, m[plane + 7 * 224 + 5], 0f);
        float[] f = new float[3 * plane];
        FaceModelKind.RESNET_FER.toInput(frame, f, 0);
        RgbImage rr = FaceModelKind.RESNET_FER.resize(frame);
        assertEquals(rr.get(5, 7, 2) - 91.4953f, f[2 * plane + 7 * 224 + 5], 1e-4f);
    }

    @Test
    void grayBmpBecomesRgb() {
        RgbImage g = RgbImage.read(FeatureFixtures.file("faces/clip_b/frame_det_00_000002.bmp"));
        for (int i = 0; i < 50; i++) {
            assertEquals(g.get(i, i, 0), g.get(i, i, 1));
            assertEquals(g.get(i, i, 0), g.get(i, i, 2));
        }
    }

    @Test
    void unreadableImagesFailClearly() throws IOException {
        Path junk = tmp.resolve("junk.bmp");
        Files.writeString(junk, "not an image");
        DataException e = assertThrows(DataException.class, () -> RgbImage.read(junk));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        byte[] good = Files.readAllBytes(FeatureFixtures.file("faces/clip_a/frame_det_00_000001.bmp"));
        Path cut = tmp.resolve("cut.bmp");
        Files.write(cut, Arrays.copyOf(good, 200));
        assertThrows(DataException.class, () -> RgbImage.read(cut));
        assertThrows(DataException.class, () -> RgbImage.read(tmp.resolve("missing.bmp")));
    }
}
