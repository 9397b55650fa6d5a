package org.merlab.data;

import java.util.List;

/**
 * One feature set for a list of samples: a contiguous row-major {@code float[rows * dim]}, row i
 * belonging to {@code names.get(i)}. Loaded once, shared read-only by every model that uses it.
 */
public record FeatureMatrix(String feature, List<String> names, int dim, float[] data) {

    public FeatureMatrix {
        names = List.copyOf(names);
        if ((long) names.size() * dim != data.length) {
            throw new IllegalArgumentException(names.size() + " rows × " + dim + " ≠ " + data.length + " values");
        }
    }

    public int rows() {
        return names.size();
    }

    /** A copy of row i. */
    public float[] row(int i) {
        float[] r = new float[dim];
        System.arraycopy(data, i * dim, r, 0, dim);
        return r;
    }

    /** Rows gathered by index into a new contiguous array (for a fold's train or held-out part). */
    public float[] gather(int[] rowIndices) {
        float[] out = new float[rowIndices.length * dim];
        for (int i = 0; i < rowIndices.length; i++) System.arraycopy(data, rowIndices[i] * dim, out, i * dim, dim);
        return out;
    }
}
