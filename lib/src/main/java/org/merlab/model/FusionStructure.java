package org.merlab.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * The part of a model between the input features and the decoder: n feature arrays (B, D_i), in
 * a fixed order, → a fused vector h (B, d) plus the attention weights it used.
 *
 * <p>Output: {@code [h (named "h"), attention arrays (B, n_k) named after {@link
 * #attentionNames()}]}. Subclasses: {@link UnimodalMlp}, {@link OfficialAttentionFusion}, {@link
 * HierarchicalFusion} (S1), {@link FlatFusion} (S2), {@link CrossFusion} (S3).
 *
 * <p>Paper: the three fusion structures S1–S3 over utterance-level features. Our reading: this
 * common contract (inputs in a fixed order, attention weights returned for plotting).
 */
public abstract class FusionStructure extends AbstractBlock {

    protected FusionStructure(byte version) {
        super(version);
    }

    /** The widths of the input features, in input order. */
    public abstract long[] inputDims();

    /** Width of h. */
    public abstract int outputDim();

    /** Names of the attention arrays that follow h in the output, in order (may be empty). */
    public abstract List<String> attentionNames();

    /** Widths (second dimension) of the attention arrays, in the order of {@link #attentionNames()}. */
    protected abstract int[] attentionWidths();

    /** Computes {@code [h, attention...]} for inputs already checked against {@link #inputDims()}. */
    protected abstract NDList fuse(ParameterStore ps, NDList inputs, boolean training);

    @Override
    protected final NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        String name = getClass().getSimpleName();
        long[] dims = inputDims();
        Layers.checkCount(name, inputs.size(), dims.length);
        for (int i = 0; i < dims.length; i++) {
            Layers.checkFeatureShape(name, i, inputs.get(i).getShape(), dims[i]);
        }
        NDList out = fuse(ps, inputs, training);
        out.get(0).setName("h");
        List<String> names = attentionNames();
        for (int i = 0; i < names.size(); i++) {
            out.get(i + 1).setName(names.get(i));
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        int[] widths = attentionWidths();
        Shape[] shapes = new Shape[1 + widths.length];
        shapes[0] = new Shape(batch, outputDim());
        for (int i = 0; i < widths.length; i++) {
            shapes[i + 1] = new Shape(batch, widths[i]);
        }
        return shapes;
    }

    /** Checks the shapes passed to {@code initialize}. */
    protected final void checkInputShapes(Shape... inputShapes) {
        String name = getClass().getSimpleName();
        long[] dims = inputDims();
        Layers.checkCount(name, inputShapes.length, dims.length);
        for (int i = 0; i < dims.length; i++) {
            Layers.checkFeatureShape(name, i, inputShapes[i], dims[i]);
        }
    }

    /** Copies {@code dims[from, to)}. */
    static long[] slice(long[] dims, int from, int to) {
        long[] out = new long[to - from];
        System.arraycopy(dims, from, out, 0, out.length);
        return out;
    }

    /** The shapes {@code (batch, dims[i])}. */
    static Shape[] shapes(long batch, long[] dims) {
        Shape[] out = new Shape[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = new Shape(batch, dims[i]);
        }
        return out;
    }
}
