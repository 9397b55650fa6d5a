package org.merlab.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;

/**
 * The media of notebook {@code 07-feature-extraction}'s scratch dataset, made from nothing and the same on every run:
 * five clips whose audio spans the sample rates and WAV encodings the extractor must read, and cartoon face frames.
 * {@link ExtractionDemo#writeMedia} lays them out as MER 2023 does.
 */
final class DemoClips {
    /** Side of a face frame in pixels, as OpenFace's aligned crops. */
    static final int FACE_SIDE = 112;

    private DemoClips() {}

    /** One generated clip: its audio (signal, rate, encoding, length), its face frames and a placeholder label. */
    record Clip(String name, String signal, int sampleRate, int channels, int bits, boolean floating, double seconds, int faceFrames,
                       String emotion, double valence) {
        /** The WAV encoding as {@link org.merlab.features.WavDecoder} names it. */
        public String encoding() {
            if (floating) return "PCM_FLOAT " + bits + "-bit";
            return (bits == 8 ? "PCM_UNSIGNED " : "PCM_SIGNED ") + bits + "-bit";
        }
    }

    /** The five clips: different rates, encodings, lengths and signals; the last has no face frame. */
    static final List<Clip> CLIPS = List.of(
            new Clip("sample_00000001", "440 Hz tone with harmonics", 16000, 1, 16, false, 1.5, 4, "neutral", 0.0),
            new Clip("sample_00000002", "chirp 200 -> 3000 Hz", 22050, 1, 32, true, 2.0, 5, "happy", 2.0),
            new Clip("sample_00000003", "noise bursts (left) + tone (right)", 44100, 2, 24, false, 2.5, 6, "angry", -2.5),
            new Clip("sample_00000004", "voiced, speech-like (f0 ~120 Hz, 4 Hz syllables)", 48000, 1, 32, false, 3.5, 7, "sad", -2.25),
            new Clip("sample_00000005", "voiced, speech-like (f0 ~200 Hz)", 8000, 1, 8, false, 1.0, 0, "surprise", -0.5));

    /** The clip's channels at its own rate, in [-1, 1]. Deterministic (seeded per clip). */
    static float[][] signal(int index, Clip c) {
        int n = (int) Math.round(c.seconds() * c.sampleRate());
        double sr = c.sampleRate();
        Random rng = new Random(7 + index);
        float[][] out = new float[c.channels()][n];
        double phase = 0;
        for (int i = 0; i < n; i++) {
            double t = i / sr;
            double fade = Math.min(1, Math.min(t, c.seconds() - t) / 0.02); // 20 ms fades: no clicks
            switch (index) {
                case 0 -> out[0][i] = (float) (fade * 0.35 * (Math.sin(2 * Math.PI * 440 * t) + 0.3 * Math.sin(2 * Math.PI * 880 * t)
                        + 0.1 * Math.sin(2 * Math.PI * 1320 * t)));
                case 1 -> {
                    double f0 = 200, f1 = 3000, k = (f1 - f0) / c.seconds();
                    out[0][i] = (float) (fade * 0.6 * Math.sin(2 * Math.PI * (f0 * t + 0.5 * k * t * t)));
                }
                case 2 -> {
                    double burst = Math.sin(2 * Math.PI * 3 * t) > 0 ? 1 : 0.1;
                    out[0][i] = (float) (fade * Math.max(-0.9, Math.min(0.9, 0.25 * burst * rng.nextGaussian())));
                    out[1][i] = (float) (fade * 0.4 * Math.sin(2 * Math.PI * 330 * t));
                }
                default -> { // voiced: harmonics of a gliding f0 (phase integrated), in 4 Hz "syllables", a little breath noise
                    double f0 = (index == 3 ? 120 : 200) * (1 + 0.15 * Math.sin(2 * Math.PI * 0.8 * t));
                    phase += 2 * Math.PI * f0 / sr;
                    double v = 0;
                    for (int h = 1; h <= 16 && h * f0 < sr / 2; h++) v += Math.sin(h * phase) / h;
                    double syllables = Math.pow(Math.sin(Math.PI * 4 * t), 2);
                    out[0][i] = (float) (fade * (0.3 * syllables * v + 0.01 * rng.nextGaussian()));
                }
            }
        }
        return out;
    }

    /** A RIFF/WAVE file: PCM (8-bit unsigned, 16/24/32-bit signed) or IEEE float, little-endian, interleaved channels. */
    static byte[] wav(float[][] channels, Clip c) throws IOException {
        int n = channels[0].length, ch = channels.length, bps = c.bits() / 8;
        ByteBuffer b = ByteBuffer.allocate(n * ch * bps).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < ch; k++) {
                double v = Math.max(-1, Math.min(1, channels[k][i]));
                if (c.floating()) {
                    b.putFloat((float) v);
                } else if (c.bits() == 8) {
                    b.put((byte) Math.max(0, Math.min(255, Math.round(v * 128) + 128)));
                } else {
                    long max = (1L << (c.bits() - 1)) - 1;
                    long q = Math.max(-max - 1, Math.min(max, Math.round(v * (max + 1))));
                    for (int j = 0; j < bps; j++) b.put((byte) (q >> (8 * j)));
                }
            }
        }
        // the samples are ours; the RIFF container is the JDK's (the same javax.sound that WavDecoder reads with)
        AudioFormat.Encoding enc = c.floating() ? AudioFormat.Encoding.PCM_FLOAT
                : c.bits() == 8 ? AudioFormat.Encoding.PCM_UNSIGNED : AudioFormat.Encoding.PCM_SIGNED;
        var format = new AudioFormat(enc, c.sampleRate(), c.bits(), ch, ch * bps, c.sampleRate(), false);
        var out = new ByteArrayOutputStream();
        try (var in = new AudioInputStream(new ByteArrayInputStream(b.array()), format, n)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, out);
        }
        return out.toByteArray();
    }

    /** A 112×112 cartoon face (what OpenFace's aligned crops look like, roughly): skin tone per clip, mouth and brows per frame. */
    static BufferedImage face(int clip, int frame, int frames) {
        BufferedImage img = new BufferedImage(FACE_SIDE, FACE_SIDE, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(new Color(40 + 10 * clip, 44, 52));
            g.fillRect(0, 0, FACE_SIDE, FACE_SIDE);
            int[][] skin = {{224, 172, 140}, {198, 134, 96}, {141, 85, 54}, {241, 194, 160}, {176, 120, 90}};
            int[] s = skin[clip % skin.length];
            g.setColor(new Color(s[0], s[1], s[2]));
            int dx = (frame % 3) - 1; // a little head motion
            g.fillOval(18 + dx, 10, 76, 94);
            double e = frames <= 1 ? 0 : (double) frame / (frames - 1); // expression runs over the clip
            double smile = switch (clip) {
                case 1 -> 0.3 + 0.7 * e;      // growing smile
                case 2 -> -0.4 - 0.5 * e;     // frown
                case 3 -> -0.8 + 0.2 * e;     // sad
                default -> 0.1 * Math.sin(6 * e);
            };
            g.setColor(new Color(30, 30, 30));
            int eyeOpen = clip == 4 ? 12 : 8;
            g.fillOval(36 + dx, 42, 10, eyeOpen);
            g.fillOval(66 + dx, 42, 10, eyeOpen);
            int brow = (int) Math.round(36 - 4 * smile);
            g.fillRect(34 + dx, brow, 14, 3);
            g.fillRect(64 + dx, brow, 14, 3);
            g.setColor(new Color(150, 50, 60));
            int depth = (int) Math.round(14 * Math.abs(smile)) + 2;
            if (smile >= 0) g.fillArc(40 + dx, 70 - depth / 2, 32, depth, 180, 180);
            else g.fillArc(40 + dx, 76 - depth / 2, 32, depth, 0, 180);
        } finally {
            g.dispose();
        }
        return img;
    }
}
