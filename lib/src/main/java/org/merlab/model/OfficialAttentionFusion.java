package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * The MER 2023 official "attention" fusion baseline, for any number m of branches.
 *
 * <p>Official code ({@code Attention} in the MER2023-Baseline repository): per-branch MLP
 * {@code Linear(256)-ReLU-Dropout-Linear(128)-ReLU-Dropout}; an attention MLP of the same shape on
 * the concatenation of the m hidden vectors; {@code fc_att = Linear(128, m)} gives m weights;
 * h = Σ_i w_i·h_i. The code applies no softmax to the weights although the MER 2023 paper's equation
 * does: {@code softmaxWeights} offers both, default {@code false} as the code (method.md). To
 * reproduce the official audio-visual row (HL+MR), feed [HL, MR, MR] as the code did.
 *
 * <p>Output: {@code [h, weights (B×m) named "alpha"]}. Parameters: {@code enc<i>_fc<k>_*},
 * {@code att_mlp_fc1_*, att_mlp_fc2_*}, {@code fc_att_weight, fc_att_bias}.
 */
public final class OfficialAttentionFusion extends FusionStructure {

    private static final byte VERSION = 1;

    private final int d;
    private final boolean softmaxWeights;
    private final List<FeatureEncoder> encoders = new ArrayList<>();
    private final FeatureEncoder attentionMlp;
    private final Linear fcAtt;

    /**
     * @param dims widths of the m branch features
     * @param hidden first MLP layer width (official 256)
     * @param d hidden width (official 128)
     * @param dropout dropout rate (official 0.3)
     * @param softmaxWeights apply softmax to the m weights (official code: no)
     */
    public OfficialAttentionFusion(long[] dims, int hidden, int d, float dropout, boolean softmaxWeights) {
        super(VERSION);
        if (dims.length == 0) {
            throw new IllegalArgumentException("OfficialAttentionFusion needs at least one branch");
        }
        this.d = d;
        this.softmaxWeights = softmaxWeights;
        for (int i = 0; i < dims.length; i++) {
            encoders.add(addChildBlock("enc" + i, FeatureEncoder.raw(dims[i], hidden, d, dropout)));
        }
        attentionMlp = addChildBlock(
                "att_mlp", new FeatureEncoder((long) d * dims.length, new int[] {hidden, d}, dropout));
        fcAtt = addChildBlock("fc_att", Layers.linear(d, dims.length, true));
    }

    public boolean softmaxWeights() {
        return softmaxWeights;
    }

    @Override
    public long[] inputDims() {
        long[] dims = new long[encoders.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = encoders.get(i).inputDim();
        }
        return dims;
    }

    @Override
    public int outputDim() {
        return d;
    }

    @Override
    public List<String> attentionNames() {
        return List.of("alpha");
    }

    @Override
    protected int[] attentionWidths() {
        return new int[] {encoders.size()};
    }

    @Override
    protected NDList fuse(ParameterStore ps, NDList inputs, boolean training) {
        NDList hs = new NDList(encoders.size());
        for (int i = 0; i < encoders.size(); i++) {
            hs.add(encoders.get(i).encode(ps, inputs.get(i), training));
        }
        NDArray att = attentionMlp.encode(ps, NDArrays.concat(hs, 1), training);
        NDArray w = fcAtt.forward(ps, new NDList(att), training).singletonOrThrow(); // (B, m)
        if (softmaxWeights) {
            w = w.softmax(1);
        }
        NDArray h = NDArrays.stack(hs, 1).mul(w.expandDims(2)).sum(new int[] {1});
        return new NDList(h, w);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        checkInputShapes(inputShapes);
        long batch = Layers.batchOf(inputShapes);
        for (int i = 0; i < encoders.size(); i++) {
            encoders.get(i).initialize(manager, dataType, inputShapes[i]);
        }
        attentionMlp.initialize(manager, dataType, new Shape(batch, (long) d * encoders.size()));
        Layers.initLinear(fcAtt, manager, dataType, batch, d);
    }
}
