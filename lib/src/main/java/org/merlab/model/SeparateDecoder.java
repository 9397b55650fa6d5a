package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/**
 * Two independent heads: logits = W_e h + b_e, v = w_vᵀ h + b_v.
 *
 * <p>Official code: the MER 2023 baseline's {@code fc_out_1} / {@code fc_out_2}; the paper's
 * "separate" decoding that joint decoding is compared with. Parameters: {@code emo_weight,
 * emo_bias, val_weight, val_bias}.
 */
public final class SeparateDecoder extends Decoder {

    private static final byte VERSION = 1;

    private final Linear emo;
    private final Linear val;

    public SeparateDecoder(int inputDim, int numClasses) {
        super(VERSION, inputDim, numClasses);
        emo = addChildBlock("emo", Layers.linear(inputDim, numClasses, true));
        val = addChildBlock("val", Layers.linear(inputDim, 1, true));
    }

    @Override
    protected NDList decode(ParameterStore ps, NDArray h, boolean training) {
        NDArray logits = emo.forward(ps, new NDList(h), training).singletonOrThrow();
        NDArray v = column(val.forward(ps, new NDList(h), training).singletonOrThrow());
        return new NDList(logits, v);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long batch = Layers.batchOf(inputShapes);
        Layers.initLinear(emo, manager, dataType, batch, inputDim);
        Layers.initLinear(val, manager, dataType, batch, inputDim);
    }
}
