package org.merlab.data;

import java.util.Arrays;

/** A float32 array read from or written to a {@code .npy} file: row-major data and its shape. */
public record NpyArray(float[] data, int[] shape) {

    public NpyArray {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
        }
    }

    public static NpyArray vector(float[] data) {
        return new NpyArray(data, new int[] {data.length});
    }

    public int rank() {
        return shape.length;
    }

    /** The last dimension: the feature dimension of an utterance-level (D) or frame-level (T, D) array. */
    public int featureDim() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }
}
