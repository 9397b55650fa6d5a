package org.merlab.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * S2, flat fusion: one AFG over all features at once, h = AFG(HL18, HL19, HL20, RF, MR).
 *
 * <p>Paper: the flat structure as the comparison point for the hierarchy. Our reading: the AFG
 * ({@link AttentionGather}). Output: {@code [h, alpha (B×n)]}. Parameters: {@code afg_...}.
 */
public final class FlatFusion extends FusionStructure {

    private static final byte VERSION = 1;

    private final AttentionGather afg;

    public FlatFusion(long[] dims, int hidden, int d, float dropout) {
        super(VERSION);
        afg = addChildBlock("afg", AttentionGather.ofRaw(dims, hidden, d, dropout));
    }

    @Override
    public long[] inputDims() {
        return afg.inputDims();
    }

    @Override
    public int outputDim() {
        return afg.outputDim();
    }

    @Override
    public List<String> attentionNames() {
        return List.of("alpha");
    }

    @Override
    protected int[] attentionWidths() {
        return new int[] {afg.inputCount()};
    }

    @Override
    protected NDList fuse(ParameterStore ps, NDList inputs, boolean training) {
        return afg.gather(ps, inputs, training);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        checkInputShapes(inputShapes);
        afg.initialize(manager, dataType, inputShapes);
    }
}
