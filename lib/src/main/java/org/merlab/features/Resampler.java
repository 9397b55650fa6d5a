package org.merlab.features;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Band-limited sample-rate conversion by windowed-sinc interpolation with a Kaiser window
 * (the method of resampy and of {@code libsamplerate}'s sinc converters, here with exact rational
 * phases).
 *
 * <p>For input rate {@code fin} and output rate {@code fout}, with {@code g = gcd(fin, fout)},
 * {@code L = fout/g}, {@code M = fin/g} and {@code scale = min(1, fout/fin)}, output sample
 * {@code n} (at input time {@code t = n·M/L}) is {@code y[n] = Σ_k x[k]·h(t − k)} with
 * <pre>
 *   h(d) = 2·fc·sinc(2·fc·d) · I0(β·√(1 − (d/W)²)) / I0(β)   for |d| ≤ W, else 0
 *   fc = 0.5 · ROLLOFF · scale          (cutoff, in cycles per input sample)
 *   W  = ZEROS / (ROLLOFF · scale)      (half-width: ZEROS zero crossings of the sinc each side)
 * </pre>
 * {@link #ROLLOFF} = 0.945 puts the cutoff at 0.945 × the lower Nyquist frequency: 7.56 kHz when
 * converting to 16 kHz. With {@link #ZEROS} = 64 and {@link #BETA} = 14.77 (resampy's
 * "kaiser_best" window) the stopband, which starts at about the output Nyquist frequency, is more
 * than 100 dB down: a 10 kHz tone resampled from 44.1 to 16 kHz is removed, not folded to 6 kHz.
 * Samples outside the input count as zero; the output has {@code floor(len·L/M)} samples.
 *
 * <p>The filter is tabulated once per rate pair (L phases × 2K taps, K = ⌈W⌉ + 1; 160 × 376 for
 * 44.1 → 16 kHz), so conversion costs 2K multiply-adds per output sample (≈ 0.4 s for a minute of
 * 44.1 kHz audio on one core). Rate pairs whose reduced L exceeds {@link #MAX_PHASES} compute the
 * taps on the fly (exact, slower). The NumPy reference is {@code environment/export/merlab_audio_ref.py}.
 */
public final class Resampler {
    public static final double ROLLOFF = 0.945;
    public static final int ZEROS = 64;
    public static final double BETA = 14.769656459379492;
    static final int MAX_PHASES = 4096;

    private static final Map<Long, Resampler> CACHE = new ConcurrentHashMap<>();

    private final int fin;
    private final int fout;
    private final int up;
    private final int down;
    private final double fc;
    private final double halfWidth;
    private final int taps; // 2K
    private final int k;
    private final float[] table; // [phase * taps + j], or null when computed on the fly
    private final double i0Beta = besselI0(BETA);

    private Resampler(int fin, int fout) {
        if (fin <= 0 || fout <= 0) throw new IllegalArgumentException("sample rates must be positive: " + fin + " -> " + fout);
        this.fin = fin;
        this.fout = fout;
        int g = gcd(fin, fout);
        this.up = fout / g;
        this.down = fin / g;
        double scale = Math.min(1.0, (double) fout / fin);
        this.fc = 0.5 * ROLLOFF * scale;
        this.halfWidth = ZEROS / (ROLLOFF * scale);
        this.k = (int) Math.ceil(halfWidth) + 1;
        this.taps = 2 * k;
        if (up <= MAX_PHASES) {
            table = new float[up * taps];
            for (int p = 0; p < up; p++) {
                for (int j = 0; j < taps; j++) table[p * taps + j] = (float) tap((double) p / up + (k - 1) - j);
            }
        } else {
            table = null;
        }
    }

    /** The converter for one rate pair (cached; thread-safe). */
    public static Resampler of(int fin, int fout) {
        return CACHE.computeIfAbsent(((long) fin << 32) | fout, key -> new Resampler(fin, fout));
    }

    /** Converts {@code x} from {@code fin} to {@code fout} Hz. Returns {@code x} itself when the rates are equal. */
    public static float[] resample(float[] x, int fin, int fout) {
        return fin == fout ? x : of(fin, fout).apply(x);
    }

    /** Output length for {@code n} input samples. */
    public long outputLength(long n) {
        return n * up / down;
    }

    public float[] apply(float[] x) {
        if (fin == fout) return x.clone();
        long len = outputLength(x.length);
        if (len > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("clip too long to resample in memory: " + len + " samples");
        float[] y = new float[(int) len];
        float[] row = table == null ? new float[taps] : null;
        long num = 0; // n * M
        for (int n = 0; n < y.length; n++, num += down) {
            long q = num / up;
            int p = (int) (num - q * up);
            float[] t;
            int off;
            if (table != null) {
                t = table;
                off = p * taps;
            } else {
                for (int j = 0; j < taps; j++) row[j] = (float) tap((double) p / up + (k - 1) - j);
                t = row;
                off = 0;
            }
            long first = q - k + 1;
            int j0 = (int) Math.max(0, -first);
            int j1 = (int) Math.min(taps, x.length - first);
            double acc = 0;
            int xi = (int) (first + j0);
            for (int j = j0; j < j1; j++, xi++) acc += x[xi] * t[off + j];
            y[n] = (float) acc;
        }
        return y;
    }

    /** The filter at offset {@code d} input samples. */
    double tap(double d) {
        double ad = Math.abs(d);
        if (ad > halfWidth) return 0;
        double arg = 2 * fc * d;
        double sinc = arg == 0 ? 1.0 : Math.sin(Math.PI * arg) / (Math.PI * arg);
        double r = d / halfWidth;
        double w = besselI0(BETA * Math.sqrt(Math.max(0.0, 1.0 - r * r))) / i0Beta;
        return 2 * fc * sinc * w;
    }

    /** Cutoff frequency in Hz (at the input's time scale). */
    public double cutoffHz() {
        return fc * fin;
    }

    /** Modified Bessel function of the first kind, order 0 (power series; converges for all x). */
    static double besselI0(double x) {
        double sum = 1, term = 1, q = x * x / 4;
        for (int m = 1; m < 500; m++) {
            term *= q / ((double) m * m);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
