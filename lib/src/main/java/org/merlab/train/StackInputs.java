package org.merlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.merlab.data.Split;

/**
 * The inputs of a {@link BatchedTrainer} stack, shaped (K, rows, D) along its model axis: a step's batch, every model's
 * held-out rows and the test splits. A stack's models come in contiguous segments by source (the config whose data they
 * read, one per layer of a sweep); the feature arrays are shared by the models, never copied per model.
 */
final class StackInputs {
    private StackInputs() {}

    /** Contiguous runs of models reading the same source: {start, end, source} per run. */
    static List<int[]> segments(List<StackSlot> slots) {
        List<int[]> segments = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            int src = slots.get(i).job.source();
            if (segments.isEmpty() || segments.get(segments.size() - 1)[2] != src) segments.add(new int[] {i, i + 1, src});
            else segments.get(segments.size() - 1)[1] = i + 1;
        }
        return segments;
    }

    /** Every model's held-out rows (K, hMax, D), padded with its last row, in {@code into}. */
    static NDList heldInputs(List<DeviceData> sources, List<int[]> segments, List<StackSlot> slots, int hMax,
                             NDManager into) {
        int k = slots.size();
        long[] heldIdx = new long[k * hMax];
        for (int i = 0; i < k; i++) {
            int[] h = slots.get(i).job.heldRows();
            for (int r = 0; r < hMax; r++) heldIdx[i * hMax + r] = h[Math.min(r, h.length - 1)];
        }
        try (NDScope scope = new NDScope()) {
            NDList in = gather(sources, segments, into.create(heldIdx, new Shape(k, hMax)));
            NDScope.unregister(in);
            for (NDArray a : in) a.attach(into);
            scope.suppressNotUsedWarning();
            return in;
        }
    }

    /** The model inputs (K, B, D) for row indices (K, B): per segment of models, its source's rows, concatenated. */
    static NDList gather(List<DeviceData> sources, List<int[]> segments, NDArray idx) {
        if (segments.size() == 1) {
            DeviceData d = sources.get(segments.get(0)[2]);
            NDArray[] x = new NDArray[d.numDistinct()];
            for (int i = 0; i < x.length; i++) x[i] = d.train[i].get(idx);
            return d.modelInputs(x);
        }
        List<NDList> parts = new ArrayList<>();
        for (int[] seg : segments) {
            DeviceData d = sources.get(seg[2]);
            NDArray sub = idx.get(seg[0] + ":" + seg[1]);
            NDArray[] x = new NDArray[d.numDistinct()];
            for (int i = 0; i < x.length; i++) x[i] = d.train[i].get(sub);
            parts.add(d.modelInputs(x));
        }
        return concatInputs(parts);
    }

    /**
     * A test split's inputs, {@code rows} (≥ N) per model, the last row repeated: shared (rows, D) with one source;
     * else each source's broadcast over its models, concatenated.
     */
    static NDList testInputs(List<DeviceData> sources, List<int[]> segments, Split split, int rows) {
        List<NDList> parts = new ArrayList<>();
        for (int[] seg : segments) {
            NDList in = sources.get(seg[2]).testInputs.get(split);
            long n = in.get(0).getShape().get(0);
            long[] pad = new long[rows];
            for (int r = 0; r < rows; r++) pad[r] = Math.min(r, n - 1);
            NDArray padIdx = in.get(0).getManager().create(pad);
            NDList b = new NDList(in.size());
            for (NDArray x : in) {
                NDArray padded = x.get(padIdx);
                b.add(segments.size() == 1 ? padded
                        : padded.expandDims(0).broadcast(new Shape(seg[1] - seg[0], rows, x.getShape().get(1))));
            }
            if (segments.size() == 1) return b;
            parts.add(b);
        }
        return concatInputs(parts);
    }

    static int roundUp(int n, int block) {
        return (n + block - 1) / block * block;
    }

    private static NDList concatInputs(List<NDList> parts) {
        int n = parts.get(0).size();
        NDList out = new NDList(n);
        for (int i = 0; i < n; i++) {
            NDList col = new NDList(parts.size());
            for (NDList p : parts) col.add(p.get(i));
            out.add(NDArrays.concat(col, 0));
        }
        return out;
    }
}
