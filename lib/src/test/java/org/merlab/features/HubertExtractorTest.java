package org.merlab.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.data.DataException;

/**
 * The tiny traced HuBERT (HuBERT-large's architecture at tiny widths, random weights) run from Java
 * matches the same TorchScript run by PyTorch 1.13 in make_feature_fixtures.py to 1e-4: per-layer
 * pooled embeddings for every fixture clip (so WAV decoding, resampling and normalisation too),
 * chunked pooling, and frame-level outputs.
 */
class HubertExtractorTest {
    static final double TOL = 1e-4;
    static TorchScriptModel model;
    static FeatureFixtures.Arrays expected;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        model = TorchScriptModel.load(FeatureFixtures.file("tiny_hubert.pt"), Device.cpu());
        expected = FeatureFixtures.npz("audio_expected.npz");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] wave(String clip) {
        WavDecoder.Audio a = WavDecoder.read(FeatureFixtures.file("audio/" + clip + ".wav"));
        return Resampler.resample(a.samples(), a.sampleRate(), 16000);
    }

    @Test
    void pooledLayersMatchPyTorchForEveryClip() {
        HubertExtractor ex = new HubertExtractor(model, HubertExtractor.Options.of(new int[] {0, 1, 2, 3}).withChunking(0, 0));
        assertEquals(4, ex.hiddenStates());
        assertEquals(32, ex.dim());
        assertTrue(ex.normalizes(), "the sidecar says normalize");
        double worst = 0;
        for (String clip : List.of("a16k_s16", "a44k_s24_stereo", "a8k_u8", "a22k_f32", "a48k_s32")) {
            HubertExtractor.Result r = ex.extract(wave(clip), null);
            assertEquals(1, r.windows());
            for (int k = 0; k < 4; k++) {
                double d = FeatureFixtures.maxAbsDiff(r.pooled()[k], expected.f(clip + "__L" + k));
                assertTrue(d < TOL, clip + " layer " + k + ": max |diff| " + d);
                worst = Math.max(worst, d);
            }
        }
        System.out.printf("tiny HuBERT pooled layers, 5 clips x 4 layers: max |Java - PyTorch| = %.2e%n", worst);
    }

    @Test
    void chunkedPoolingAndFramesMatchTheReferenceChunking() {
        // the fixture chunked a16k_s16 (114 frames) into cores of <= 30 frames with 10 frames of context
        HubertExtractor ex = new HubertExtractor(model, HubertExtractor.Options.of(new int[] {1, 3}).withChunking(0.6, 0.2));
        List<float[]> rows = new ArrayList<>();
        HubertExtractor.Result r = ex.extract(wave("a16k_s16"), (i, data, n) -> {
            if (i == 1) rows.add(data);
        });
        assertEquals(114, r.frames());
        assertEquals(4, r.windows());
        assertTrue(FeatureFixtures.maxAbsDiff(r.pooled()[0], expected.f("chunked__L1")) < TOL);
        assertTrue(FeatureFixtures.maxAbsDiff(r.pooled()[1], expected.f("chunked__L3")) < TOL);
        float[] frames = concat(rows);
        assertTrue(FeatureFixtures.maxAbsDiff(frames, expected.f("chunkedframes__L3")) < TOL);
        // chunking changes the result (transformer context), though not by much
        double change = FeatureFixtures.maxAbsDiff(r.pooled()[1], expected.f("a16k_s16__L3"));
        assertTrue(change > 1e-3, "chunked result should differ from one pass, differs by " + change);
    }

    @Test
    void frameLevelOutputsMatchOnePass() {
        HubertExtractor ex = new HubertExtractor(model, HubertExtractor.Options.of(new int[] {0, 3}).withChunking(0, 0).withFrameLevel(true));
        List<float[]> l0 = new ArrayList<>();
        List<float[]> l3 = new ArrayList<>();
        ex.extract(wave("a16k_s16"), (i, data, n) -> (i == 0 ? l0 : l3).add(data));
        assertTrue(FeatureFixtures.maxAbsDiff(concat(l0), expected.f("frames__L0")) < TOL);
        assertTrue(FeatureFixtures.maxAbsDiff(concat(l3), expected.f("frames__L3")) < TOL);
    }

    @Test
    void chunkWithLongContextEqualsOnePass() {
        // context covering the whole clip: every window sees all of it, so chunking must not change anything
        HubertExtractor one = new HubertExtractor(model, HubertExtractor.Options.of(new int[] {3}).withChunking(0, 0));
        HubertExtractor chunked = new HubertExtractor(model, HubertExtractor.Options.of(new int[] {3}).withChunking(0.5, 10));
        float[] x = wave("a16k_s16");
        HubertExtractor.Result a = one.extract(x, null);
        HubertExtractor.Result b = chunked.extract(x, null);
        assertTrue(b.windows() > 1);
        assertTrue(FeatureFixtures.maxAbsDiff(a.pooled()[0], b.pooled()[0]) < 1e-5);
    }

    @Test
    void tooShortClipIsPaddedWithAWarning() {
        HubertExtractor ex = new HubertExtractor(model, HubertExtractor.Options.of(new int[] {3}));
        HubertExtractor.Result r = ex.extract(new float[100], null);
        assertEquals(1, r.frames());
        assertEquals(1, r.warnings().size());
    }

    @Test
    void askingForMoreLayersThanTheModelHasFailsClearly() {
        DataException e = assertThrows(DataException.class,
                () -> new HubertExtractor(model, HubertExtractor.Options.of(LayerList.parse("0-24"))));
        assertTrue(e.getMessage().contains("returns 4 hidden states") && e.getMessage().contains("layer 24"), e.getMessage());
    }

    @Test
    void aFaceModelIsNotAnAudioModel() throws IOException {
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir);
        Files.copy(FeatureFixtures.file("tiny_manet.pt"), dir.resolve("x.pt"));
        // without its sidecar, the failure comes from the model itself (wrong input rank)
        try (TorchScriptModel m = TorchScriptModel.load(dir.resolve("x.pt"), Device.cpu())) {
            DataException e = assertThrows(DataException.class, () -> new HubertExtractor(m, HubertExtractor.Options.of(new int[] {0})));
            assertTrue(e.getMessage().contains("the model failed") || e.getMessage().contains("hidden state"), e.getMessage());
        }
        Files.copy(FeatureFixtures.file("tiny_manet.json"), dir.resolve("x.json"));
        try (TorchScriptModel m = TorchScriptModel.load(dir.resolve("x.pt"), Device.cpu())) {
            DataException e = assertThrows(DataException.class, () -> new HubertExtractor(m, HubertExtractor.Options.of(new int[] {0})));
            assertTrue(e.getMessage().contains("'manet' model"), e.getMessage());
        }
    }

    @Test
    void notTorchScriptFailsClearly() throws IOException {
        Path bad = tmp.resolve("bad.pt");
        Files.writeString(bad, "not a model");
        DataException e = assertThrows(DataException.class, () -> TorchScriptModel.load(bad, Device.cpu()));
        assertTrue(e.getMessage().contains("not a loadable TorchScript model"), e.getMessage());
        assertThrows(DataException.class, () -> TorchScriptModel.load(tmp.resolve("missing.pt"), Device.cpu()));
    }

    @Test
    void layerListsParse() {
        assertEquals(25, LayerList.parse("0-24").length);
        assertEquals(List.of(18, 19, 20, 24), java.util.Arrays.stream(LayerList.parse("24, 18-20,19")).boxed().toList());
        assertThrows(IllegalArgumentException.class, () -> LayerList.parse("5-2"));
        assertThrows(IllegalArgumentException.class, () -> LayerList.parse("x"));
    }

    static float[] concat(List<float[]> parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
