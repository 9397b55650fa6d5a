package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A stack of {@code Linear-ReLU-Dropout} layers: {@code (B, inputDim) → (B, units[last])}.
 *
 * <p>Paper / official code: the MER 2023 baseline's per-modality MLP is
 * {@code Linear(256)-ReLU-Dropout-Linear(128)-ReLU-Dropout} ({@link #raw}); its attention MLP is the
 * same shape on the concatenated hidden vectors. Our reading (method.md, AFG): inputs that are
 * already d-dimensional (outputs of another AFG) get the one-layer {@link #gathered} variant.
 *
 * <p>Parameters: {@code fc1_weight, fc1_bias, fc2_weight, ...} (canonical names, see {@link
 * ParameterNames}); PyTorch's default initialisation ({@link Layers}).
 */
public final class FeatureEncoder extends AbstractBlock {

    private static final byte VERSION = 1;

    private final long inputDim;
    private final int[] units;
    private final float dropout;
    private final List<Linear> layers = new ArrayList<>();

    /**
     * @param inputDim width of the input vectors
     * @param units widths of the successive Linear layers, each followed by ReLU and Dropout
     * @param dropout dropout rate after every layer (active only when {@code training})
     */
    public FeatureEncoder(long inputDim, int[] units, float dropout) {
        super(VERSION);
        if (inputDim <= 0 || units.length == 0) {
            throw new IllegalArgumentException("FeatureEncoder needs inputDim > 0 and at least one layer");
        }
        Layers.checkDropout(dropout);
        this.inputDim = inputDim;
        this.units = units.clone();
        this.dropout = dropout;
        long in = inputDim;
        for (int i = 0; i < units.length; i++) {
            layers.add(addChildBlock("fc" + (i + 1), Layers.linear(in, units[i], true)));
            in = units[i];
        }
    }

    /** The baseline MLP for raw features: {@code Linear(hidden)-ReLU-Dropout-Linear(d)-ReLU-Dropout}. */
    public static FeatureEncoder raw(long inputDim, int hidden, int d, float dropout) {
        return new FeatureEncoder(inputDim, new int[] {hidden, d}, dropout);
    }

    /** For inputs that are already d-dim (another AFG's output): {@code Linear(d)-ReLU-Dropout}. */
    public static FeatureEncoder gathered(int d, float dropout) {
        return new FeatureEncoder(d, new int[] {d}, dropout);
    }

    public long inputDim() {
        return inputDim;
    }

    public int outputDim() {
        return units[units.length - 1];
    }

    public int[] units() {
        return units.clone();
    }

    public float dropout() {
        return dropout;
    }

    /** Applies the encoder to one (B, inputDim) array. */
    NDArray encode(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = x;
        for (Linear layer : layers) {
            h = layer.forward(ps, new NDList(h), training).singletonOrThrow();
            h = Activation.relu(h);
            h = Dropout.dropout(h, dropout, training).singletonOrThrow();
        }
        return h;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(encode(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), outputDim())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Layers.checkCount("FeatureEncoder", inputShapes.length, 1);
        Layers.checkFeatureShape("FeatureEncoder", 0, inputShapes[0], inputDim);
        long batch = Layers.batchOf(inputShapes);
        long in = inputDim;
        for (int i = 0; i < layers.size(); i++) {
            Layers.initLinear(layers.get(i), manager, dataType, batch, in);
            in = units[i];
        }
    }
}
