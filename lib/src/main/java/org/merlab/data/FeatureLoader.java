package org.merlab.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Loads per-sample {@code .npy} features ({@code features/<dir>/<name>.npy}, shape (D) or (T, D),
 * frame-level arrays averaged over T) into one {@link FeatureMatrix}, checking every file.
 */
public final class FeatureLoader {
    private FeatureLoader() {}

    public static FeatureMatrix load(Path featureDir, String feature, List<String> names) {
        if (!Files.isDirectory(featureDir)) {
            throw new DataException(featureDir, "feature directory not found",
                    "extract the feature (./merlab extract) or check --data");
        }
        int n = names.size();
        float[][] rows = new float[n][];
        // Files are small and independent: read them in parallel, then check dims in order so the
        // error always names the first offending sample.
        IntStream.range(0, n).parallel().forEach(i -> rows[i] = readRow(featureDir.resolve(names.get(i) + ".npy")));
        int dim = n == 0 ? 0 : rows[0].length;
        float[] data = new float[n * dim];
        for (int i = 0; i < n; i++) {
            if (rows[i].length != dim) {
                throw new DataException(featureDir.resolve(names.get(i) + ".npy"), "feature dim " + rows[i].length
                        + " differs from " + dim + " (" + names.get(0) + ".npy)", "re-extract this feature directory");
            }
            System.arraycopy(rows[i], 0, data, i * dim, dim);
        }
        return new FeatureMatrix(feature, names, dim, data);
    }

    private static float[] readRow(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file, "missing feature file for a labelled sample",
                    "extract it (./merlab extract) or drop the sample from the labels");
        }
        NpyArray a = Npy.read(file);
        float[] row;
        if (a.rank() == 1) row = a.data();
        else if (a.rank() == 2) row = meanOverFrames(file, a);
        else throw new DataException(file, "shape " + java.util.Arrays.toString(a.shape()) + " is neither (D) nor (T, D)",
                "save utterance-level (D) or frame-level (T, D) features");
        for (int j = 0; j < row.length; j++) {
            if (!Float.isFinite(row[j])) {
                throw new DataException(file, "non-finite value (" + row[j] + ") at index " + j, "re-extract the feature");
            }
        }
        return row;
    }

    private static float[] meanOverFrames(Path file, NpyArray a) {
        int t = a.shape()[0], d = a.shape()[1];
        if (t == 0) throw new DataException(file, "frame-level array with 0 frames", "re-extract the feature");
        double[] sum = new double[d];
        float[] x = a.data();
        for (int i = 0; i < t; i++) for (int j = 0; j < d; j++) sum[j] += x[i * d + j];
        float[] row = new float[d];
        for (int j = 0; j < d; j++) row[j] = (float) (sum[j] / t);
        return row;
    }
}
