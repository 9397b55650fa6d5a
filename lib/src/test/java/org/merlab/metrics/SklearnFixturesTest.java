package org.merlab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compares the metrics with values computed by scikit-learn 1.2.1 / scipy 1.10.1
 * (fixtures/metrics/make_metrics_fixtures.py writes metrics_cases.json).
 */
class SklearnFixturesTest {
    private static final String RESOURCE = "/fixtures/metrics/metrics_cases.json";
    private static final double TOL = 1e-12;

    static List<JsonNode> cases() throws IOException {
        try (InputStream in = SklearnFixturesTest.class.getResourceAsStream(RESOURCE)) {
            assertNotNull(in, "missing classpath resource " + RESOURCE);
            List<JsonNode> out = new ArrayList<>();
            new ObjectMapper().readTree(in).forEach(out::add);
            return out;
        }
    }

    static Stream<Arguments> fixtureCases() throws IOException {
        return cases().stream().map(c -> Arguments.of(c.get("name").asText(), c));
    }

    @Test
    void fixtureFileHasTheAgreedCases() throws IOException {
        List<String> names = cases().stream().map(c -> c.get("name").asText()).toList();
        assertTrue(names.size() >= 11, "too few fixture cases: " + names);
        for (String required : List.of("random_balanced", "imbalanced_mer",
                "absent_from_truth_but_predicted", "absent_from_both", "never_predicted",
                "all_predictions_one_class", "perfect", "ties_equal_supports", "single_sample",
                "realistic_3000", "constant_valence_prediction")) {
            assertTrue(names.contains(required), "fixture case missing: " + required);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtureCases")
    void classificationMatchesSklearn(String name, JsonNode c) {
        int k = c.get("num_classes").asInt();
        JsonNode e = c.get("expected");
        ClassificationMetrics m = ClassificationMetrics.of(ints(c.get("truth")), ints(c.get("pred")), k);

        close(e.get("accuracy").asDouble(), m.accuracy(), name + " accuracy");
        close(e.get("f1_weighted").asDouble(), m.weightedF1(), name + " weighted F1");
        close(e.get("f1_macro").asDouble(), m.macroF1(), name + " macro F1");
        assertArrayEquals(ints(e.get("macro_labels")), m.macroLabels(), name + " macro labels");
        double[] p = m.precision();
        double[] r = m.recall();
        double[] f = m.f1();
        long[] s = m.support();
        long[][] cm = m.confusion();
        assertEquals(k, p.length);
        assertEquals(k, cm.length);
        for (int i = 0; i < k; i++) {
            close(e.get("precision").get(i).asDouble(), p[i], name + " precision[" + i + "]");
            close(e.get("recall").get(i).asDouble(), r[i], name + " recall[" + i + "]");
            close(e.get("f1").get(i).asDouble(), f[i], name + " f1[" + i + "]");
            assertEquals(e.get("support").get(i).asLong(), s[i], name + " support[" + i + "]");
            for (int j = 0; j < k; j++) {
                assertEquals(e.get("confusion").get(i).get(j).asLong(), cm[i][j],
                        name + " confusion[" + i + "][" + j + "]");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtureCases")
    void regressionMatchesSklearnAndScipy(String name, JsonNode c) {
        JsonNode e = c.get("expected");
        RegressionMetrics m = RegressionMetrics.of(doubles(c.get("true_valence")), doubles(c.get("pred_valence")));
        close(e.get("mse").asDouble(), m.mse(), name + " mse");
        close(e.get("mae").asDouble(), m.mae(), name + " mae");
        JsonNode r = e.get("pearson_r");
        if (r.isNull()) {
            assertTrue(Double.isNaN(m.pearsonR()), name + " pearson should be NaN, was " + m.pearsonR());
        } else {
            close(r.asDouble(), m.pearsonR(), name + " pearson r");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtureCases")
    void merScoreMapMatchesSklearn(String name, JsonNode c) {
        JsonNode e = c.get("expected");
        MerScore s = MerScore.of(ints(c.get("truth")), ints(c.get("pred")), c.get("num_classes").asInt(),
                doubles(c.get("true_valence")), doubles(c.get("pred_valence")));
        Map<String, Object> m = s.toMap();
        double expectedCombined = e.get("f1_weighted").asDouble() - 0.25 * e.get("mse").asDouble();
        close(expectedCombined, (Double) m.get("combined"), name + " combined");
        close(e.get("f1_weighted").asDouble(), (Double) m.get("weighted_f1"), name + " weighted_f1");
        close(e.get("mse").asDouble(), (Double) m.get("mse"), name + " mse");
        if (e.get("pearson_r").isNull()) {
            assertTrue(m.containsKey("pearson_r"));
            assertNull(m.get("pearson_r"), name + " pearson_r should map to null");
        } else {
            close(e.get("pearson_r").asDouble(), (Double) m.get("pearson_r"), name + " pearson_r");
        }
    }

    private static void close(double expected, double actual, String what) {
        double tol = TOL * Math.max(1.0, Math.abs(expected));
        assertEquals(expected, actual, tol, what);
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asDouble();
        return out;
    }
}
