package org.merlab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report map layout, class names, combined score and the classes-only variant. */
class MerScoreTest {
    // Hand-checked: truth 0,0,1,2,5 / pred 0,1,1,2,2; valence errors 1, -1, 0, 0, 2.
    private static final int[] TRUTH = {0, 0, 1, 2, 5};
    private static final int[] PRED = {0, 1, 1, 2, 2};
    private static final double[] TRUE_V = {1.0, -2.0, 0.5, 3.0, -4.0};
    private static final double[] PRED_V = {0.0, -1.0, 0.5, 3.0, -2.0};

    @Test
    void mapHasStableKeysAndHandComputedValues() {
        Map<String, Object> m = MerScore.of(TRUTH, PRED, TRUE_V, PRED_V).toMap();
        assertEquals(List.of("weighted_f1", "accuracy", "macro_f1", "mse", "mae", "pearson_r",
                "combined", "per_class", "confusion"), List.copyOf(m.keySet()));
        // per class F1: c0 P=1 R=.5 -> 2/3; c1 P=.5 R=1 -> 2/3; c2 P=.5 R=1 -> 2/3; c5 0.
        double f = 2.0 / 3.0;
        assertEquals((2 * f + f + f + 0) / 5, (Double) m.get("weighted_f1"), 1e-15);
        assertEquals(0.6, (Double) m.get("accuracy"), 1e-15);
        assertEquals((f + f + f + 0) / 4, (Double) m.get("macro_f1"), 1e-15); // labels {0,1,2,5}
        assertEquals(6.0 / 5, (Double) m.get("mse"), 1e-15);
        assertEquals(4.0 / 5, (Double) m.get("mae"), 1e-15);
        assertEquals((Double) m.get("weighted_f1") - 0.25 * 1.2, (Double) m.get("combined"), 1e-15);

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> perClass = (List<Map<String, Object>>) m.get("per_class");
        assertEquals(6, perClass.size());
        assertEquals(List.of("label", "precision", "recall", "f1", "support"), List.copyOf(perClass.get(0).keySet()));
        assertEquals("neutral", perClass.get(0).get("label"));
        assertEquals("surprise", perClass.get(5).get("label"));
        assertEquals(2, perClass.get(0).get("support"));
        assertEquals(0.0, perClass.get(3).get("precision")); // never predicted, never true
        assertEquals(List.of(1, 1, 0, 0, 0, 0), ((List<?>) m.get("confusion")).get(0));
        assertEquals(List.of(0, 0, 1, 0, 0, 0), ((List<?>) m.get("confusion")).get(5));
    }

    @Test
    void classesOnlyLeavesValenceMetricsNull() {
        MerScore s = MerScore.classesOnly(TRUTH, PRED);
        assertFalse(s.hasValence());
        assertTrue(Double.isNaN(s.combined()));
        Map<String, Object> m = s.toMap();
        for (String key : List.of("mse", "mae", "pearson_r", "combined")) {
            assertTrue(m.containsKey(key), key);
            assertNull(m.get(key), key);
        }
        assertEquals(0.6, (Double) m.get("accuracy"), 1e-15);
    }

    @Test
    void otherClassCountsUseGenericNames() {
        Map<String, Object> m = MerScore.classesOnly(new int[] {0, 1, 2}, new int[] {0, 2, 2}, 3).toMap();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> perClass = (List<Map<String, Object>>) m.get("per_class");
        assertEquals(List.of("class_0", "class_1", "class_2"),
                perClass.stream().map(r -> r.get("label")).toList());
    }

    @Test
    void constantPredictedValenceGivesNullPearson() {
        Map<String, Object> m = MerScore.of(TRUTH, PRED, TRUE_V, new double[] {1, 1, 1, 1, 1}).toMap();
        assertTrue(m.containsKey("pearson_r"));
        assertNull(m.get("pearson_r"));
        assertEquals(Double.class, m.get("combined").getClass());
    }

    @Test
    void accessorsReturnCopies() {
        ClassificationMetrics c = ClassificationMetrics.of(TRUTH, PRED, 6);
        c.confusion()[0][0] = 99;
        c.f1()[0] = 99;
        assertEquals(1, c.confusion()[0][0]);
        assertEquals(2.0 / 3.0, c.f1()[0], 1e-15);
    }
}
