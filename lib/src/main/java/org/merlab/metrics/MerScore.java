package org.merlab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.merlab.data.Emotion;

/**
 * The MER 2023 evaluation of one prediction set: classification metrics, valence regression
 * metrics and the MER-MULTI ranking score {@code combined = weightedF1 - 0.25 * mse}.
 *
 * <p>Valence may be absent (e.g. a test set without valence labels): then {@link #mse()},
 * {@link #mae()}, {@link #pearsonR()} and {@link #combined()} are NaN, written as null by
 * {@link #toMap()}. Immutable.
 */
public final class MerScore {
    /** Weight of the valence MSE in the combined MER-MULTI score. */
    public static final double MSE_WEIGHT = 0.25;

    private final ClassificationMetrics classification;
    private final RegressionMetrics regression; // null when valence is absent

    private MerScore(ClassificationMetrics classification, RegressionMetrics regression) {
        this.classification = classification;
        this.regression = regression;
    }

    /** Scores the six MER emotions ({@link Emotion#COUNT} classes) and valence. */
    public static MerScore of(int[] trueClass, int[] predClass, double[] trueValence, double[] predValence) {
        return of(trueClass, predClass, Emotion.COUNT, trueValence, predValence);
    }

    /**
     * Scores {@code numClasses} classes and valence.
     *
     * @throws IllegalArgumentException on invalid inputs or class and valence lengths that differ
     */
    public static MerScore of(int[] trueClass, int[] predClass, int numClasses,
                              double[] trueValence, double[] predValence) {
        ClassificationMetrics c = ClassificationMetrics.of(trueClass, predClass, numClasses);
        RegressionMetrics r = RegressionMetrics.of(trueValence, predValence);
        if (r.sampleCount() != c.sampleCount()) {
            throw new IllegalArgumentException("class and valence lengths differ: "
                    + c.sampleCount() + " vs " + r.sampleCount());
        }
        return new MerScore(c, r);
    }

    /** Scores the six MER emotions only; valence metrics and combined are NaN. */
    public static MerScore classesOnly(int[] trueClass, int[] predClass) {
        return classesOnly(trueClass, predClass, Emotion.COUNT);
    }

    /** Scores {@code numClasses} classes only; valence metrics and combined are NaN. */
    public static MerScore classesOnly(int[] trueClass, int[] predClass, int numClasses) {
        return new MerScore(ClassificationMetrics.of(trueClass, predClass, numClasses), null);
    }

    /** Combines metrics computed elsewhere; {@code regression} may be null (valence absent). */
    public static MerScore of(ClassificationMetrics classification, RegressionMetrics regression) {
        Objects.requireNonNull(classification, "classification");
        if (regression != null && regression.sampleCount() != classification.sampleCount()) {
            throw new IllegalArgumentException("class and valence lengths differ: "
                    + classification.sampleCount() + " vs " + regression.sampleCount());
        }
        return new MerScore(classification, regression);
    }

    public ClassificationMetrics classification() { return classification; }

    /** The valence metrics, or null when valence is absent. */
    public RegressionMetrics regression() { return regression; }

    public boolean hasValence() { return regression != null; }

    public double weightedF1() { return classification.weightedF1(); }

    public double accuracy() { return classification.accuracy(); }

    public double macroF1() { return classification.macroF1(); }

    public double mse() { return regression == null ? Double.NaN : regression.mse(); }

    public double mae() { return regression == null ? Double.NaN : regression.mae(); }

    public double pearsonR() { return regression == null ? Double.NaN : regression.pearsonR(); }

    /** {@code weightedF1 - 0.25 * mse}; NaN when valence is absent. */
    public double combined() { return weightedF1() - MSE_WEIGHT * mse(); }

    /** Name of class {@code i}: the MER emotion label when there are six classes, else "class_i". */
    public static String className(int i, int numClasses) {
        return numClasses == Emotion.COUNT ? Emotion.ofIndex(i).label() : "class_" + i;
    }

    /**
     * A JSON-ready view, keys in this order: weighted_f1, accuracy, macro_f1, mse, mae, pearson_r,
     * combined (fractions; NaN becomes null), per_class (maps with label, precision, recall, f1,
     * support) and confusion (rows truth, columns prediction).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("weighted_f1", orNull(weightedF1()));
        m.put("accuracy", orNull(accuracy()));
        m.put("macro_f1", orNull(macroF1()));
        m.put("mse", orNull(mse()));
        m.put("mae", orNull(mae()));
        m.put("pearson_r", orNull(pearsonR()));
        m.put("combined", orNull(combined()));
        int k = classification.numClasses();
        double[] p = classification.precision();
        double[] r = classification.recall();
        double[] f = classification.f1();
        long[] s = classification.support();
        List<Map<String, Object>> perClass = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("label", className(i, k));
            row.put("precision", p[i]);
            row.put("recall", r[i]);
            row.put("f1", f[i]);
            row.put("support", Math.toIntExact(s[i]));
            perClass.add(row);
        }
        m.put("per_class", perClass);
        List<List<Integer>> confusion = new ArrayList<>(k);
        for (long[] row : classification.confusion()) {
            List<Integer> cells = new ArrayList<>(k);
            for (long v : row) cells.add(Math.toIntExact(v));
            confusion.add(cells);
        }
        m.put("confusion", confusion);
        return m;
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "MerScore[weightedF1=%.4f, accuracy=%.4f, macroF1=%.4f, mse=%.4f, combined=%.4f]",
                weightedF1(), accuracy(), macroF1(), mse(), combined());
    }
}
