package org.merlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import java.util.TreeMap;

/** Element-wise comparison with PyTorch, numpy.allclose style, and a record of the worst errors. */
final class Parity {

    /** |actual − expected| ≤ ATOL + RTOL·|expected|, element-wise. */
    static final double ATOL = 1e-5;
    static final double RTOL = 1e-5;

    /** Worst absolute error per case ("forward" and "backward" separately), for the report. */
    static final Map<String, Double> WORST = new TreeMap<>();

    private Parity() {}

    /** Asserts closeness; returns the max absolute error and records it under {@code caseName/kind}. */
    static double assertClose(String caseName, String kind, String what, NDArray expected, NDArray actual) {
        long[] es = expected.getShape().getShape();
        long[] as = actual.getShape().getShape();
        if (expected.size() != actual.size()) {
            fail(caseName + " " + what + ": size " + actual.getShape() + " vs expected " + expected.getShape());
        }
        // PyTorch scalars may arrive as () or (1); compare the shapes only when both are non-scalar.
        if (expected.size() > 1) {
            assertArrayEquals(es, as, caseName + " " + what + ": shape");
        }
        float[] e = expected.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[] a = actual.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs((double) a[i] - e[i]);
            if (!(err <= ATOL + RTOL * Math.abs(e[i]))) {
                fail(String.format("%s %s[%d]: DJL %.9g vs PyTorch %.9g (abs err %.3g)", caseName, what, i, a[i], e[i], err));
            }
            worst = Math.max(worst, err);
        }
        WORST.merge(caseName + "/" + kind, worst, Math::max);
        return worst;
    }

    /** One line per case, e.g. {@code afg/forward 5.96e-08}. */
    static String report() {
        StringBuilder sb = new StringBuilder();
        WORST.forEach((k, v) -> sb.append(String.format("PARITY %-40s max|err| = %.3g%n", k, v)));
        return sb.toString();
    }
}
