package org.merlab.metrics;

import java.util.Locale;

/**
 * Regression metrics for valence: mean squared error, mean absolute error and Pearson r.
 *
 * <p>MSE and MAE follow {@code sklearn.metrics.mean_squared_error} / {@code mean_absolute_error};
 * Pearson r follows {@code scipy.stats.pearsonr}: NaN when either side is constant or there are
 * fewer than two samples, {@code sign(dx) * sign(dy)} for exactly two, otherwise a two-pass
 * (mean, then centred sums) computation clipped to [-1, 1]. Sums are compensated (Neumaier).
 * Immutable.
 */
public final class RegressionMetrics {
    private final int sampleCount;
    private final double mse;
    private final double mae;
    private final double pearsonR;

    private RegressionMetrics(int sampleCount, double mse, double mae, double pearsonR) {
        this.sampleCount = sampleCount;
        this.mse = mse;
        this.mae = mae;
        this.pearsonR = pearsonR;
    }

    /**
     * Computes all metrics.
     *
     * @param truth true values, all finite
     * @param pred  predicted values, all finite, same length as truth
     * @throws IllegalArgumentException on empty or unequal inputs or a non-finite value
     */
    public static RegressionMetrics of(double[] truth, double[] pred) {
        validate(truth, pred);
        int n = truth.length;
        Sum sq = new Sum();
        Sum abs = new Sum();
        for (int i = 0; i < n; i++) {
            double d = truth[i] - pred[i];
            sq.add(d * d);
            abs.add(Math.abs(d));
        }
        return new RegressionMetrics(n, sq.value() / n, abs.value() / n, pearson(truth, pred));
    }

    /** Pearson correlation with scipy.stats.pearsonr semantics (see class javadoc). */
    static double pearson(double[] x, double[] y) {
        int n = x.length;
        if (n < 2 || isConstant(x) || isConstant(y)) return Double.NaN;
        if (n == 2) return Math.signum(x[1] - x[0]) * Math.signum(y[1] - y[0]);
        double mx = mean(x);
        double my = mean(y);
        Sum sxx = new Sum();
        Sum syy = new Sum();
        Sum sxy = new Sum();
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxx.add(dx * dx);
            syy.add(dy * dy);
            sxy.add(dx * dy);
        }
        double r = sxy.value() / (Math.sqrt(sxx.value()) * Math.sqrt(syy.value()));
        return Math.max(-1.0, Math.min(1.0, r));
    }

    private static boolean isConstant(double[] v) {
        for (double d : v) if (d != v[0]) return false;
        return true;
    }

    private static double mean(double[] v) {
        Sum s = new Sum();
        for (double d : v) s.add(d);
        return s.value() / v.length;
    }

    private static void validate(double[] truth, double[] pred) {
        if (truth == null || pred == null) {
            throw new IllegalArgumentException("truth and pred must not be null");
        }
        if (truth.length != pred.length) {
            throw new IllegalArgumentException(
                    "truth and pred lengths differ: " + truth.length + " vs " + pred.length);
        }
        if (truth.length == 0) {
            throw new IllegalArgumentException("truth and pred are empty");
        }
        checkFinite("truth", truth);
        checkFinite("pred", pred);
    }

    private static void checkFinite(String name, double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + v[i] + " is not finite");
            }
        }
    }

    /** Neumaier-compensated running sum. */
    private static final class Sum {
        private double sum;
        private double comp;

        void add(double v) {
            double t = sum + v;
            comp += Math.abs(sum) >= Math.abs(v) ? (sum - t) + v : (v - t) + sum;
            sum = t;
        }

        double value() { return sum + comp; }
    }

    /** Number of samples. */
    public int sampleCount() { return sampleCount; }

    /** Mean squared error. */
    public double mse() { return mse; }

    /** Mean absolute error. */
    public double mae() { return mae; }

    /** Pearson correlation coefficient; NaN when undefined (constant side or fewer than 2 samples). */
    public double pearsonR() { return pearsonR; }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "RegressionMetrics[n=%d, mse=%.4f, mae=%.4f, pearsonR=%.4f]",
                sampleCount, mse, mae, pearsonR);
    }
}
