package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * S3, cross fusion (modality → layer): the second modality is gathered first, v = AFG_V(RF, MR);
 * then every layer feature is fused with it, c_l = AFG_l(HL_l, v); then h = AFG_L(c_18, c_19, c_20).
 *
 * <p>Paper: the structure's order (modality fusion inside each layer, then across layers). Our
 * reading: the AFG ({@link AttentionGather}); in AFG_l the layer feature gets the raw-feature encoder
 * and v the one-layer encoder for d-dim inputs.
 *
 * <p>Inputs: the layer features first, then the other modality's features. Output: {@code [h,
 * alpha_other (B×n_o), alpha_cross0 ... alpha_cross<L-1> (B×2 each: [layer, v]), alpha_top
 * (B×L)]}. Parameters: {@code other_...}, {@code cross<l>_...}, {@code top_...}.
 */
public final class CrossFusion extends FusionStructure {

    private static final byte VERSION = 1;

    private final int d;
    private final long[] layerDims;
    private final long[] otherDims;
    private final AttentionGather other;
    private final List<AttentionGather> cross = new ArrayList<>();
    private final AttentionGather top;

    /**
     * @param layerDims widths of the layer features (e.g. HL18, HL19, HL20)
     * @param otherDims widths of the other modality's features (e.g. RF, MR)
     */
    public CrossFusion(long[] layerDims, long[] otherDims, int hidden, int d, float dropout) {
        super(VERSION);
        if (layerDims.length == 0 || otherDims.length == 0) {
            throw new IllegalArgumentException("CrossFusion needs layer features and other features");
        }
        this.d = d;
        this.layerDims = layerDims.clone();
        this.otherDims = otherDims.clone();
        other = addChildBlock("other", AttentionGather.ofRaw(otherDims, hidden, d, dropout));
        for (int l = 0; l < layerDims.length; l++) {
            List<FeatureEncoder> encs =
                    List.of(FeatureEncoder.raw(layerDims[l], hidden, d, dropout), FeatureEncoder.gathered(d, dropout));
            cross.add(addChildBlock("cross" + l, new AttentionGather(encs, d)));
        }
        top = addChildBlock("top", AttentionGather.ofGathered(layerDims.length, d, dropout));
    }

    @Override
    public long[] inputDims() {
        long[] dims = Arrays.copyOf(layerDims, layerDims.length + otherDims.length);
        System.arraycopy(otherDims, 0, dims, layerDims.length, otherDims.length);
        return dims;
    }

    @Override
    public int outputDim() {
        return d;
    }

    @Override
    public List<String> attentionNames() {
        List<String> names = new ArrayList<>();
        names.add("alpha_other");
        for (int l = 0; l < layerDims.length; l++) {
            names.add("alpha_cross" + l);
        }
        names.add("alpha_top");
        return names;
    }

    @Override
    protected int[] attentionWidths() {
        int[] w = new int[layerDims.length + 2];
        w[0] = otherDims.length;
        for (int l = 0; l < layerDims.length; l++) {
            w[l + 1] = 2;
        }
        w[layerDims.length + 1] = layerDims.length;
        return w;
    }

    @Override
    protected NDList fuse(ParameterStore ps, NDList inputs, boolean training) {
        int nl = layerDims.length;
        NDList otherIn = new NDList(inputs.subList(nl, nl + otherDims.length));
        NDList otherOut = other.gather(ps, otherIn, training);
        NDArray v = otherOut.get(0);
        NDList alphas = new NDList(otherOut.get(1));
        NDList cs = new NDList(nl);
        for (int l = 0; l < nl; l++) {
            NDList out = cross.get(l).gather(ps, new NDList(inputs.get(l), v), training);
            cs.add(out.get(0));
            alphas.add(out.get(1));
        }
        NDList topOut = top.gather(ps, cs, training);
        alphas.add(topOut.get(1));
        NDList result = new NDList(topOut.get(0));
        result.addAll(alphas);
        return result;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        checkInputShapes(inputShapes);
        long batch = Layers.batchOf(inputShapes);
        other.initialize(manager, dataType, shapes(batch, otherDims));
        for (int l = 0; l < layerDims.length; l++) {
            cross.get(l).initialize(manager, dataType, new Shape(batch, layerDims[l]), new Shape(batch, d));
        }
        long[] topDims = new long[layerDims.length];
        Arrays.fill(topDims, d);
        top.initialize(manager, dataType, shapes(batch, topDims));
    }
}
