package org.merlab.features;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import org.merlab.data.DataException;

/**
 * Decodes WAV files with the JDK's {@code javax.sound.sampled} (RIFF/WAVE including
 * WAVE_FORMAT_EXTENSIBLE and IEEE float): PCM signed 16/24/32-bit, unsigned or signed 8-bit,
 * 32/64-bit float, and A-law/µ-law (converted by the JDK to 16-bit PCM). Channels are averaged to
 * mono. Integer samples are scaled as soundfile/libsndfile do: {@code v / 2^(bits-1)} (8-bit
 * unsigned: {@code (v - 128) / 128}), so full scale is [-1, 1).
 */
public final class WavDecoder {
    private WavDecoder() {}

    /** A decoded clip: mono samples at {@code sampleRate}, and what the file held. */
    public record Audio(float[] samples, int sampleRate, int channels, String encoding) {
        public double seconds() {
            return samples.length / (double) sampleRate;
        }
    }

    /** Reads a WAV file to mono float samples at the file's own rate. */
    public static Audio read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file, Files.exists(file) ? "not a regular file" : "audio file not found", "check the path");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             AudioInputStream in = AudioSystem.getAudioInputStream(raw)) {
            return decode(file, in);
        } catch (UnsupportedAudioFileException e) {
            throw new DataException(file, "not a readable WAV file (" + e.getMessage() + ")",
                    "convert it to PCM or float WAV, e.g. ffmpeg -i IN -ac 1 -ar 16000 OUT.wav");
        } catch (NoSuchFileException e) {
            throw new DataException(file, "audio file not found", "check the path");
        } catch (EOFException e) {
            throw new DataException(file, "truncated WAV (the data ends early)", "re-export or re-copy the file", e);
        } catch (IOException e) {
            throw new DataException(file, "cannot read audio: " + e.getMessage(), "check the file (truncated or corrupt?)", e);
        }
    }

    private static Audio decode(Path file, AudioInputStream in) throws IOException {
        AudioFormat f = in.getFormat();
        AudioFormat.Encoding enc = f.getEncoding();
        if (enc.equals(AudioFormat.Encoding.ULAW) || enc.equals(AudioFormat.Encoding.ALAW)) {
            AudioFormat pcm = new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, f.getSampleRate(), 16, f.getChannels(),
                    2 * f.getChannels(), f.getSampleRate(), false);
            try (AudioInputStream conv = AudioSystem.getAudioInputStream(pcm, in)) {
                Audio a = decode(file, conv);
                return new Audio(a.samples, a.sampleRate, a.channels, enc + " (as 16-bit PCM)");
            }
        }
        int channels = f.getChannels();
        int bits = f.getSampleSizeInBits();
        float rate = f.getSampleRate();
        boolean pcmSigned = enc.equals(AudioFormat.Encoding.PCM_SIGNED);
        boolean pcmUnsigned = enc.equals(AudioFormat.Encoding.PCM_UNSIGNED);
        boolean pcmFloat = enc.equals(AudioFormat.Encoding.PCM_FLOAT);
        boolean supported = (pcmSigned && (bits == 8 || bits == 16 || bits == 24 || bits == 32))
                || (pcmUnsigned && bits == 8) || (pcmFloat && (bits == 32 || bits == 64));
        if (!supported) {
            throw new DataException(file, "unsupported WAV encoding " + enc + " " + bits + "-bit",
                    "convert it to 16-bit PCM, e.g. ffmpeg -i IN -ac 1 -ar 16000 -c:a pcm_s16le OUT.wav");
        }
        if (channels < 1 || rate <= 0 || Float.isNaN(rate) || rate != Math.rint(rate)) {
            throw new DataException(file, "bad WAV header (" + channels + " channels, " + rate + " Hz)", "re-export the file");
        }
        int bytesPerSample = bits / 8;
        int frameSize = f.getFrameSize();
        if (frameSize != bytesPerSample * channels) {
            throw new DataException(file, "unsupported frame layout (" + frameSize + " bytes per frame for " + channels + " x "
                    + bits + "-bit)", "convert it to 16-bit PCM");
        }
        byte[] data = in.readAllBytes();
        long declaredFrames = in.getFrameLength();
        int frames = data.length / frameSize;
        if (declaredFrames != AudioSystem.NOT_SPECIFIED && declaredFrames > frames) {
            throw new DataException(file, "truncated WAV: header promises " + declaredFrames + " frames, file has " + frames,
                    "re-export or re-copy the file");
        }
        if (frames == 0) {
            throw new DataException(file, "the WAV file holds no samples", "check the file; an empty clip cannot be embedded");
        }
        boolean big = f.isBigEndian();
        float[] out = new float[frames];
        float inv = 1f / channels;
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            int base = i * frameSize;
            for (int c = 0; c < channels; c++) {
                int o = base + c * bytesPerSample;
                double v;
                if (pcmFloat) {
                    v = bits == 32 ? Float.intBitsToFloat((int) bytesToLong(data, o, 4, big)) : Double.longBitsToDouble(bytesToLong(data, o, 8, big));
                } else if (pcmUnsigned) {
                    v = ((data[o] & 0xff) - 128) / 128.0;
                } else {
                    long raw = bytesToLong(data, o, bytesPerSample, big);
                    int shift = 64 - bits;
                    long signed = (raw << shift) >> shift;
                    v = signed / (double) (1L << (bits - 1));
                }
                sum += v;
            }
            out[i] = channels == 1 ? (float) sum : (float) (sum * inv);
        }
        for (float v : out) {
            if (!Float.isFinite(v)) {
                throw new DataException(file, "the WAV file holds NaN or infinite samples", "re-export the file");
            }
        }
        return new Audio(out, (int) rate, channels, enc + " " + bits + "-bit");
    }

    private static long bytesToLong(byte[] d, int o, int n, boolean big) {
        long v = 0;
        if (big) {
            for (int i = 0; i < n; i++) v = (v << 8) | (d[o + i] & 0xff);
        } else {
            for (int i = n - 1; i >= 0; i--) v = (v << 8) | (d[o + i] & 0xff);
        }
        return v;
    }
}
