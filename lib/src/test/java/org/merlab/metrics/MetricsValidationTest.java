package org.merlab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Input validation of the metric factories: one-line messages naming the bad index or value. */
class MetricsValidationTest {

    private static IllegalArgumentException classificationError(int[] truth, int[] pred, int k) {
        return assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(truth, pred, k));
    }

    private static IllegalArgumentException regressionError(double[] truth, double[] pred) {
        return assertThrows(IllegalArgumentException.class, () -> RegressionMetrics.of(truth, pred));
    }

    private static void oneLine(IllegalArgumentException e) {
        assertTrue(!e.getMessage().contains("\n"), "message should be one line: " + e.getMessage());
    }

    @Test
    void classificationRejectsUnequalLengths() {
        IllegalArgumentException e = classificationError(new int[] {0, 1, 2}, new int[] {0, 1}, 6);
        assertEquals("truth and pred lengths differ: 3 vs 2", e.getMessage());
        oneLine(e);
    }

    @Test
    void classificationRejectsEmpty() {
        IllegalArgumentException e = classificationError(new int[0], new int[0], 6);
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void classificationRejectsTruthOutOfRange() {
        IllegalArgumentException e = classificationError(new int[] {0, 1, 6}, new int[] {0, 1, 2}, 6);
        assertEquals("truth[2] = 6 is outside [0, 6)", e.getMessage());
        oneLine(e);
    }

    @Test
    void classificationRejectsNegativePrediction() {
        IllegalArgumentException e = classificationError(new int[] {0, 1, 2}, new int[] {0, -1, 2}, 6);
        assertEquals("pred[1] = -1 is outside [0, 6)", e.getMessage());
    }

    @Test
    void classificationRejectsBadClassCountAndNulls() {
        IllegalArgumentException e = classificationError(new int[] {0}, new int[] {0}, 0);
        assertEquals("numClasses must be >= 1, got 0", e.getMessage());
        classificationError(null, new int[] {0}, 6);
        classificationError(new int[] {0}, null, 6);
    }

    @Test
    void regressionRejectsUnequalLengthsEmptyAndNonFinite() {
        assertEquals("truth and pred lengths differ: 2 vs 1",
                regressionError(new double[] {1, 2}, new double[] {1}).getMessage());
        assertTrue(regressionError(new double[0], new double[0]).getMessage().contains("empty"));
        assertEquals("pred[1] = NaN is not finite",
                regressionError(new double[] {1, 2}, new double[] {1, Double.NaN}).getMessage());
        assertEquals("truth[0] = Infinity is not finite",
                regressionError(new double[] {Double.POSITIVE_INFINITY, 2}, new double[] {1, 2}).getMessage());
        regressionError(null, new double[] {1});
    }

    @Test
    void merScoreRejectsValenceOfAnotherLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MerScore.of(
                new int[] {0, 1, 2}, new int[] {0, 1, 2}, new double[] {1, 2}, new double[] {1, 2}));
        assertEquals("class and valence lengths differ: 3 vs 2", e.getMessage());
    }
}
