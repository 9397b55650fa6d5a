package org.merlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.merlab.model.DecisionFusion.Prediction;

class DecisionFusionTest {

    static Prediction p(float[][] s, float... v) {
        return new Prediction(s, v);
    }

    @Test
    void foldsAverageLogitsAndValence() {
        Prediction a = p(new float[][] {{1, 2, 3}, {0, 0, 0}}, 1f, -4f);
        Prediction b = p(new float[][] {{3, 2, 1}, {2, 0, 0}}, 3f, 6f);
        Prediction m = DecisionFusion.meanOverFolds(List.of(a, b));
        assertArrayEquals(new float[] {2, 2, 2}, m.scores()[0]);
        assertArrayEquals(new float[] {1, 0, 0}, m.scores()[1]);
        assertArrayEquals(new float[] {2f, 1f}, m.valence());
    }

    @Test
    void structuresAverageProbabilities() {
        Prediction a = p(new float[][] {{0, 0}}, 2f);
        Prediction b = p(new float[][] {{(float) Math.log(3), 0}}, -2f);
        Prediction u = DecisionFusion.acrossStructures(List.of(a, b));
        assertArrayEquals(new float[] {0.625f, 0.375f}, u.scores()[0], 1e-6f); // (0.5+0.75)/2, (0.5+0.25)/2
        assertEquals(0f, u.valence()[0], 1e-6f);
        Prediction w = DecisionFusion.acrossStructures(List.of(a, b), new double[] {3, 1}); // normalised to .75/.25
        assertArrayEquals(new float[] {0.5625f, 0.4375f}, w.scores()[0], 1e-6f);
        assertEquals(1f, w.valence()[0], 1e-6f);
        assertArrayEquals(new int[] {0}, w.argmax());
    }

    @Test
    void clippingAndValidation() {
        Prediction a = p(new float[][] {{0, 1}, {1, 0}}, 7f, -6f);
        assertArrayEquals(new float[] {5f, -5f}, a.clippedValence());
        assertThrows(IllegalArgumentException.class, () -> DecisionFusion.acrossStructures(List.of(a), new double[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> DecisionFusion.acrossStructures(List.of(a), new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> DecisionFusion.acrossStructures(List.of(a), new double[] {1, 1}));
    }

    @Test
    void simplexGridCoversTheSimplex() {
        List<double[]> g = DecisionFusion.simplexGrid(3, 4);
        assertEquals(15, g.size()); // C(4+2, 2)
        for (double[] w : g) {
            assertEquals(1.0, w[0] + w[1] + w[2], 1e-12);
        }
    }
}
