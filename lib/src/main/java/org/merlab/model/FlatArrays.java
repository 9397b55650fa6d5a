package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import java.util.Map;

/**
 * Arrays laid end to end in one buffer, each replaced by a view of its part: an elementwise update of the buffer
 * (one optimizer call) updates them all. On a GPU every libtorch call is a kernel launch and a JNI crossing, so
 * one Adam update of the whole stack instead of one per parameter (eleven kernels each) removes most of a training
 * step's calls. The views share the buffer's memory; libtorch keeps that memory alive while any view or the buffer
 * has a handle, so closing one of them never invalidates the others.
 */
public final class FlatArrays {
    private FlatArrays() {}

    /**
     * Copies {@code names}' arrays of {@code arrays} end to end into a new 1-D buffer in {@code into}, replaces each
     * entry by a view of its part (a leaf that records gradients when {@code leaves}), closes the old arrays, and
     * returns the buffer. Same element type for all (the first's).
     */
    public static NDArray join(Map<String, NDArray> arrays, List<String> names, boolean leaves, NDManager into) {
        if (names.isEmpty()) throw new IllegalArgumentException("nothing to join");
        NDArray flat;
        try (NDManager tmp = into.newSubManager()) {
            NDList parts = new NDList(names.size());
            for (String n : names) {
                NDArray detached = arrays.get(n).stopGradient();
                detached.attach(tmp);
                NDArray part = detached.reshape(-1);
                part.attach(tmp);
                parts.add(part);
            }
            flat = parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts, 0);
            NDScope.unregister(flat);
            flat.attach(into);
        }
        long offset = 0;
        for (String n : names) {
            NDArray old = arrays.get(n);
            long size = old.getShape().size();
            NDArray view;
            try (NDArray part = flat.get(new NDIndex("{}:{}", offset, offset + size))) {
                NDArray shaped = part.reshape(old.getShape());
                // detach: a view that is its own autograd leaf, sharing the buffer's memory
                view = shaped.stopGradient();
                shaped.close();
            }
            NDScope.unregister(view);
            view.attach(into);
            if (leaves) view.setRequiresGradient(true);
            arrays.put(n, view);
            old.close();
            offset += size;
        }
        return flat;
    }

    /**
     * The gradients of {@code names}' arrays, end to end in the order of {@link #join}: the flat gradient of a buffer
     * that {@code join} made. A new array (one concatenation), in the arrays' manager: the caller closes it.
     */
    public static NDArray gradients(Map<String, NDArray> arrays, List<String> names) {
        NDList parts = new NDList(names.size());
        for (String n : names) {
            try (NDArray g = arrays.get(n).getGradient()) {
                parts.add(g.reshape(-1));
            }
        }
        if (parts.size() == 1) return parts.get(0);
        NDArray flat = NDArrays.concat(parts, 0);
        for (NDArray p : parts) p.close();
        return flat;
    }
}
