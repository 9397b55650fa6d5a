package org.merlab.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The anti-aliasing resampler against known tones, and against its NumPy reference. */
class ResamplerTest {

    private static float[] tone(double hz, double amplitude, int rate, double seconds) {
        float[] x = new float[(int) Math.round(rate * seconds)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        return x;
    }

    /** Amplitude of the component at {@code hz} (single-bin DFT over [from, to), which holds whole periods). */
    private static double amplitudeAt(float[] y, double hz, int rate, int from, int to) {
        double re = 0, im = 0;
        for (int i = from; i < to; i++) {
            double ph = 2 * Math.PI * hz * i / rate;
            re += y[i] * Math.cos(ph);
            im += y[i] * Math.sin(ph);
        }
        return 2 * Math.hypot(re, im) / (to - from);
    }

    private static double rms(float[] y, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += (double) y[i] * y[i];
        return Math.sqrt(s / (to - from));
    }

    /** Dominant frequency by counting upward zero crossings over a stretch, with sub-sample interpolation. */
    private static double zeroCrossingHz(float[] y, int rate, int from, int to) {
        double first = -1, last = -1;
        int count = 0;
        for (int i = from; i < to - 1; i++) {
            if (y[i] < 0 && y[i + 1] >= 0) {
                double t = i + y[i] / (double) (y[i] - y[i + 1]);
                if (first < 0) first = t;
                else count++;
                last = t;
            }
        }
        return count * rate / (last - first);
    }

    @Test
    void oneKilohertzToneKeepsFrequencyAndAmplitude() {
        float[] x = tone(1000, 0.5, 44100, 1.0);
        float[] y = Resampler.resample(x, 44100, 16000);
        assertEquals(16000, y.length);
        int from = 1600, to = 14400; // away from the zero-padded edges; 12800 samples = 800 whole periods
        assertEquals(1000.0, zeroCrossingHz(y, 16000, from, to), 0.01, "frequency");
        assertEquals(0.5, amplitudeAt(y, 1000, 16000, from, to), 0.5 * 1e-4, "amplitude (within 0.001 dB)");
        // nothing else: the residual after removing the 1 kHz sine is tiny
        double a = amplitudeAt(y, 1000, 16000, from, to);
        double re = 0, im = 0;
        for (int i = from; i < to; i++) {
            double ph = 2 * Math.PI * 1000 * i / 16000;
            re += y[i] * Math.cos(ph);
            im += y[i] * Math.sin(ph);
        }
        double phase = Math.atan2(re, im);
        double resid = 0;
        for (int i = from; i < to; i++) {
            double d = y[i] - a * Math.sin(2 * Math.PI * 1000 * i / 16000 + phase);
            resid += d * d;
        }
        double residDb = 20 * Math.log10(Math.sqrt(resid / (to - from)) / (0.5 / Math.sqrt(2)));
        assertTrue(residDb < -90, "residual " + residDb + " dB");
    }

    @Test
    void tenKilohertzToneIsRemovedNotAliased() {
        float[] x = tone(10000, 0.5, 44100, 1.0);
        float[] y = Resampler.resample(x, 44100, 16000);
        double db = 20 * Math.log10(rms(y, 1600, 14400) / (0.5 / Math.sqrt(2)));
        assertTrue(db < -60, "10 kHz tone only " + db + " dB down (must be > 60 dB)");
        assertTrue(db < -100, "10 kHz tone " + db + " dB down (design: > 100 dB)");
        // just above the new Nyquist frequency too
        float[] z = Resampler.resample(tone(8300, 0.5, 44100, 1.0), 44100, 16000);
        double db2 = 20 * Math.log10(rms(z, 1600, 14400) / (0.5 / Math.sqrt(2)));
        assertTrue(db2 < -60, "8.3 kHz tone only " + db2 + " dB down");
    }

    @Test
    void passbandIsFlatBelowCutoff() {
        for (double hz : new double[] {100, 3000, 6000, 7000}) {
            float[] y = Resampler.resample(tone(hz, 0.5, 48000, 1.0), 48000, 16000);
            double a = amplitudeAt(y, hz, 16000, 1600, 14400);
            assertEquals(0.5, a, 0.5 * 0.002, hz + " Hz amplitude (0.02 dB)");
        }
    }

    @Test
    void upsamplingKeepsTone() {
        float[] y = Resampler.resample(tone(1000, 0.5, 8000, 1.0), 8000, 16000);
        assertEquals(16000, y.length);
        assertEquals(1000.0, zeroCrossingHz(y, 16000, 1600, 14400), 0.01);
        assertEquals(0.5, amplitudeAt(y, 1000, 16000, 1600, 14400), 0.5 * 1e-4);
    }

    @Test
    void equalRatesAreIdentityAndOddRatesWork() {
        float[] x = tone(440, 0.3, 16000, 0.1);
        assertArrayEquals(x, Resampler.resample(x, 16000, 16000));
        // a rate pair with more phases than the table limit takes the on-the-fly path
        float[] x2 = tone(1000, 0.5, 44101, 0.5);
        float[] y = Resampler.resample(x2, 44101, 16000);
        assertEquals(x2.length * 16000L / 44101, y.length);
        assertEquals(0.5, amplitudeAt(y, 1000, 16000, 1600, 6400), 0.5 * 1e-3);
        assertEquals(Resampler.ROLLOFF * 8000, Resampler.of(44100, 16000).cutoffHz(), 1e-9);
    }

    @Test
    void besselI0MatchesKnownValues() {
        assertEquals(1.0, Resampler.besselI0(0), 0);
        assertEquals(1.2660658777520082, Resampler.besselI0(1), 1e-15);
        assertEquals(2815.716628466254, Resampler.besselI0(10), 1e-9);
    }
}
