package org.merlab.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * Unimodal baseline: one feature → {@link FeatureEncoder#raw} → h.
 *
 * <p>Official code: the MER 2023 baseline's MLP for a single feature (layers 256,128, dropout
 * 0.3) before its two output heads; the heads are our {@link Decoder}s. No attention output.
 * Parameters: {@code enc_fc1_weight, ...}.
 */
public final class UnimodalMlp extends FusionStructure {

    private static final byte VERSION = 1;

    private final FeatureEncoder encoder;

    public UnimodalMlp(long inputDim, int hidden, int d, float dropout) {
        super(VERSION);
        encoder = addChildBlock("enc", FeatureEncoder.raw(inputDim, hidden, d, dropout));
    }

    @Override
    public long[] inputDims() {
        return new long[] {encoder.inputDim()};
    }

    @Override
    public int outputDim() {
        return encoder.outputDim();
    }

    @Override
    public List<String> attentionNames() {
        return List.of();
    }

    @Override
    protected int[] attentionWidths() {
        return new int[0];
    }

    @Override
    protected NDList fuse(ParameterStore ps, NDList inputs, boolean training) {
        return new NDList(encoder.encode(ps, inputs.get(0), training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        checkInputShapes(inputShapes);
        encoder.initialize(manager, dataType, inputShapes[0]);
    }
}
