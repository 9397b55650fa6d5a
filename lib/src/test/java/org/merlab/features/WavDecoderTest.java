package org.merlab.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.merlab.data.DataException;

/** WAV decoding (PCM 8/16/24/32, float, extensible, stereo) + resampling against the NumPy reference, and bad media. */
class WavDecoderTest {
    @TempDir
    Path tmp;

    @Test
    void decodesEveryFixtureFormatAndResamplesLikeTheReference() {
        FeatureFixtures.Arrays expected = FeatureFixtures.npz("audio_expected.npz");
        String[][] clips = {{"a16k_s16", "16000", "1"}, {"a44k_s24_stereo", "44100", "2"}, {"a8k_u8", "8000", "1"},
                {"a22k_f32", "22050", "1"}, {"a48k_s32", "48000", "1"}};
        for (String[] c : clips) {
            WavDecoder.Audio a = WavDecoder.read(FeatureFixtures.file("audio/" + c[0] + ".wav"));
            assertEquals(Integer.parseInt(c[1]), a.sampleRate(), c[0]);
            assertEquals(Integer.parseInt(c[2]), a.channels(), c[0]);
            float[] x = Resampler.resample(a.samples(), a.sampleRate(), 16000);
            float[] want = expected.f(c[0] + "__wave");
            double diff = FeatureFixtures.maxAbsDiff(Arrays.copyOf(x, want.length), want);
            assertTrue(diff < 1e-5, c[0] + ": 16 kHz waveform differs from the NumPy reference by " + diff);
        }
    }

    @Test
    void missingGarbageTruncatedAndEmptyFilesFailClearly() throws IOException {
        DataException e = assertThrows(DataException.class, () -> WavDecoder.read(tmp.resolve("nope.wav")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());

        Path text = tmp.resolve("text.wav");
        Files.writeString(text, "this is not audio at all, just text pretending to be a wav file", StandardCharsets.UTF_8);
        e = assertThrows(DataException.class, () -> WavDecoder.read(text));
        assertTrue(e.getMessage().startsWith(text.toString()) && e.getMessage().contains("not a readable WAV"), e.getMessage());

        byte[] good = Files.readAllBytes(FeatureFixtures.file("audio/a16k_s16.wav"));
        Path cut = tmp.resolve("cut.wav");
        Files.write(cut, Arrays.copyOf(good, good.length / 2));
        e = assertThrows(DataException.class, () -> WavDecoder.read(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path headerOnly = tmp.resolve("header.wav");
        Files.write(headerOnly, Arrays.copyOf(good, 20));
        assertThrows(DataException.class, () -> WavDecoder.read(headerOnly));

        Path empty = tmp.resolve("empty.wav");
        Files.write(empty, wav(1, 16000, 16, 1, new byte[0]));
        e = assertThrows(DataException.class, () -> WavDecoder.read(empty));
        assertTrue(e.getMessage().contains("no samples"), e.getMessage());

        Path dir = tmp.resolve("dir.wav");
        Files.createDirectory(dir);
        assertThrows(DataException.class, () -> WavDecoder.read(dir));
    }

    @Test
    void unsupportedEncodingFailsWithAFix() throws IOException {
        Path adpcm = tmp.resolve("adpcm.wav");
        Files.write(adpcm, wav(2 /* MS ADPCM */, 16000, 4, 1, new byte[64]));
        DataException e = assertThrows(DataException.class, () -> WavDecoder.read(adpcm));
        assertTrue(e.getMessage().contains("ffmpeg"), e.getMessage());
    }

    @Test
    void muLawIsConverted() throws IOException {
        byte[] data = new byte[800];
        Arrays.fill(data, (byte) 0xFF); // mu-law zero
        Path ulaw = tmp.resolve("ulaw.wav");
        Files.write(ulaw, wav(7, 8000, 8, 1, data));
        WavDecoder.Audio a = WavDecoder.read(ulaw);
        assertEquals(800, a.samples().length);
        assertEquals(0f, a.samples()[10], 1e-3f);
    }

    /** A minimal RIFF/WAVE file. */
    static byte[] wav(int formatTag, int rate, int bits, int channels, byte[] data) {
        int block = Math.max(1, channels * bits / 8);
        ByteBuffer b = ByteBuffer.allocate(44 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + data.length).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) formatTag).putShort((short) channels).putInt(rate)
                .putInt(rate * block).putShort((short) block).putShort((short) bits);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data.length).put(data);
        return b.array();
    }
}
