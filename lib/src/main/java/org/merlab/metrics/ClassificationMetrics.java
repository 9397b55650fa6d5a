package org.merlab.metrics;

import java.util.Arrays;

/**
 * Single-label classification metrics with scikit-learn 1.2 semantics and {@code zero_division=0}.
 *
 * <ul>
 *   <li>{@link #weightedF1()}: {@code f1_score(average='weighted')}, per-class F1 weighted by true
 *       support; classes absent from the truth weigh 0.</li>
 *   <li>{@link #macroF1()}: {@code f1_score(average='macro')} with sklearn's default labels, i.e.
 *       the unweighted mean over the sorted union of labels present in truth or prediction
 *       ({@link #macroLabels()}), <em>not</em> over all {@code numClasses}.</li>
 *   <li>per-class arrays: {@code precision_recall_fscore_support(labels=range(numClasses))};
 *       an undefined precision (never predicted) or recall (never true) is 0, and so is F1 when
 *       both are 0.</li>
 *   <li>{@link #confusion()}: {@code confusion_matrix(labels=range(numClasses))}, rows are truth,
 *       columns are prediction.</li>
 * </ul>
 * Immutable: accessors return copies.
 */
public final class ClassificationMetrics {
    private final int numClasses;
    private final int sampleCount;
    private final double accuracy;
    private final double weightedF1;
    private final double macroF1;
    private final double[] precision;
    private final double[] recall;
    private final double[] f1;
    private final long[] support;
    private final long[][] confusion;
    private final int[] macroLabels;

    private ClassificationMetrics(int numClasses, int sampleCount, double accuracy, double weightedF1,
                                  double macroF1, double[] precision, double[] recall, double[] f1,
                                  long[] support, long[][] confusion, int[] macroLabels) {
        this.numClasses = numClasses;
        this.sampleCount = sampleCount;
        this.accuracy = accuracy;
        this.weightedF1 = weightedF1;
        this.macroF1 = macroF1;
        this.precision = precision;
        this.recall = recall;
        this.f1 = f1;
        this.support = support;
        this.confusion = confusion;
        this.macroLabels = macroLabels;
    }

    /**
     * Computes all metrics.
     *
     * @param truth      true class indices, each in [0, numClasses)
     * @param pred       predicted class indices, same length as truth
     * @param numClasses number of classes (at least 1)
     * @throws IllegalArgumentException on empty or unequal inputs or an index out of range
     */
    public static ClassificationMetrics of(int[] truth, int[] pred, int numClasses) {
        validate(truth, pred, numClasses);
        int n = truth.length;
        long[][] cm = new long[numClasses][numClasses];
        long correct = 0;
        for (int i = 0; i < n; i++) {
            cm[truth[i]][pred[i]]++;
            if (truth[i] == pred[i]) correct++;
        }
        double[] p = new double[numClasses];
        double[] r = new double[numClasses];
        double[] f = new double[numClasses];
        long[] trueSum = new long[numClasses];
        long[] predSum = new long[numClasses];
        for (int t = 0; t < numClasses; t++) {
            for (int q = 0; q < numClasses; q++) {
                trueSum[t] += cm[t][q];
                predSum[q] += cm[t][q];
            }
        }
        for (int c = 0; c < numClasses; c++) {
            long tp = cm[c][c];
            p[c] = predSum[c] == 0 ? 0.0 : (double) tp / predSum[c];
            r[c] = trueSum[c] == 0 ? 0.0 : (double) tp / trueSum[c];
            double denom = p[c] + r[c];
            // Same operation order as sklearn: (1 + beta^2) * P * R / (beta^2 * P + R).
            f[c] = denom == 0.0 ? 0.0 : 2.0 * p[c] * r[c] / denom;
        }
        // Weighted F1: sum(f * support) / sum(support); absent classes add exactly 0.
        double weightedSum = 0.0;
        for (int c = 0; c < numClasses; c++) weightedSum += f[c] * trueSum[c];
        double weighted = weightedSum / n;
        // Macro F1 over sklearn's default labels: present in truth or prediction.
        int[] present = new int[numClasses];
        int m = 0;
        double macroSum = 0.0;
        for (int c = 0; c < numClasses; c++) {
            if (trueSum[c] > 0 || predSum[c] > 0) {
                present[m++] = c;
                macroSum += f[c];
            }
        }
        double macro = macroSum / m;
        return new ClassificationMetrics(numClasses, n, (double) correct / n, weighted, macro,
                p, r, f, trueSum, cm, Arrays.copyOf(present, m));
    }

    private static void validate(int[] truth, int[] pred, int numClasses) {
        if (truth == null || pred == null) {
            throw new IllegalArgumentException("truth and pred must not be null");
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        if (truth.length != pred.length) {
            throw new IllegalArgumentException(
                    "truth and pred lengths differ: " + truth.length + " vs " + pred.length);
        }
        if (truth.length == 0) {
            throw new IllegalArgumentException("truth and pred are empty");
        }
        checkRange("truth", truth, numClasses);
        checkRange("pred", pred, numClasses);
    }

    private static void checkRange(String name, int[] labels, int numClasses) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + labels[i]
                        + " is outside [0, " + numClasses + ")");
            }
        }
    }

    /** Number of classes the per-class arrays cover. */
    public int numClasses() { return numClasses; }

    /** Number of samples. */
    public int sampleCount() { return sampleCount; }

    /** Fraction of samples predicted correctly. */
    public double accuracy() { return accuracy; }

    /** Support-weighted mean of per-class F1 (sklearn {@code average='weighted'}). */
    public double weightedF1() { return weightedF1; }

    /** Unweighted mean of per-class F1 over {@link #macroLabels()} (sklearn {@code average='macro'}). */
    public double macroF1() { return macroF1; }

    /** Sorted labels present in truth or prediction: those {@link #macroF1()} averages over. */
    public int[] macroLabels() { return macroLabels.clone(); }

    /** Per-class precision, 0 for a class never predicted. */
    public double[] precision() { return precision.clone(); }

    /** Per-class recall, 0 for a class absent from the truth. */
    public double[] recall() { return recall.clone(); }

    /** Per-class F1, 0 when precision and recall are both 0. */
    public double[] f1() { return f1.clone(); }

    /** Per-class number of true samples. */
    public long[] support() { return support.clone(); }

    /** Confusion matrix, {@code [truth][prediction]}. */
    public long[][] confusion() {
        long[][] copy = new long[numClasses][];
        for (int i = 0; i < numClasses; i++) copy[i] = confusion[i].clone();
        return copy;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "ClassificationMetrics[n=%d, accuracy=%.4f, weightedF1=%.4f, macroF1=%.4f]",
                sampleCount, accuracy, weightedF1, macroF1);
    }
}
