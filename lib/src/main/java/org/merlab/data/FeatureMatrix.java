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

    /** The element-wise sum of equally wide matrices over the same samples (a "summed layers" input). */
    public static FeatureMatrix sum(String feature, List<FeatureMatrix> parts) {
        FeatureMatrix first = parts.get(0);
        float[] out = first.data.clone();
        for (FeatureMatrix p : parts.subList(1, parts.size())) {
            sameRows(first, p);
            if (p.dim != first.dim) throw new IllegalArgumentException(p.feature + " has width " + p.dim + ", " + first.feature + " " + first.dim);
            for (int i = 0; i < out.length; i++) out[i] += p.data[i];
        }
        return new FeatureMatrix(feature, first.names, first.dim, out);
    }

    /** The matrices side by side, row by row (a "concatenated layers" input). */
    public static FeatureMatrix concat(String feature, List<FeatureMatrix> parts) {
        FeatureMatrix first = parts.get(0);
        int dim = 0;
        for (FeatureMatrix p : parts) {
            sameRows(first, p);
            dim += p.dim;
        }
        float[] out = new float[first.rows() * dim];
        for (int r = 0, at = 0; r < first.rows(); r++) {
            for (FeatureMatrix p : parts) {
                System.arraycopy(p.data, r * p.dim, out, at, p.dim);
                at += p.dim;
            }
        }
        return new FeatureMatrix(feature, first.names, dim, out);
    }

    private static void sameRows(FeatureMatrix a, FeatureMatrix b) {
        if (!a.names.equals(b.names)) throw new IllegalArgumentException(a.feature + " and " + b.feature + " hold different samples");
    }
}
