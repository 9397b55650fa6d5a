package org.merlab.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * S1, hierarchical fusion (layer → modality): one AFG per group of features, then an AFG over the
 * group outputs. With groups [[HL18, HL19, HL20], [RF, MR]]: a = AFG_A(HL18..20), v = AFG_V(RF, MR),
 * h = AFG_M(a, v).
 *
 * <p>Paper: the hierarchy (layers within the audio modality first, then modalities). Our reading:
 * the AFG itself (see {@link AttentionGather}) and that any number of groups is allowed.
 *
 * <p>Inputs: the features of all groups, group after group. Output: {@code [h, alpha_group0, ...,
 * alpha_group<k-1>, alpha_top]}. Parameters: {@code group<j>_...}, {@code top_...}.
 */
public final class HierarchicalFusion extends FusionStructure {

    private static final byte VERSION = 1;

    private final int d;
    private final long[][] groups;
    private final List<AttentionGather> groupAfgs = new ArrayList<>();
    private final AttentionGather top;

    /**
     * @param groups feature widths per group (e.g. {{1024,1024,1024},{512,1024}})
     * @param hidden first layer width of the raw-feature encoders (256)
     * @param d AFG width (128)
     * @param dropout dropout rate (0.3)
     */
    public HierarchicalFusion(long[][] groups, int hidden, int d, float dropout) {
        super(VERSION);
        if (groups.length == 0) {
            throw new IllegalArgumentException("HierarchicalFusion needs at least one group");
        }
        this.d = d;
        this.groups = new long[groups.length][];
        for (int j = 0; j < groups.length; j++) {
            this.groups[j] = groups[j].clone();
            groupAfgs.add(addChildBlock("group" + j, AttentionGather.ofRaw(groups[j], hidden, d, dropout)));
        }
        top = addChildBlock("top", AttentionGather.ofGathered(groups.length, d, dropout));
    }

    @Override
    public long[] inputDims() {
        int n = 0;
        for (long[] g : groups) {
            n += g.length;
        }
        long[] dims = new long[n];
        int k = 0;
        for (long[] g : groups) {
            for (long dim : g) {
                dims[k++] = dim;
            }
        }
        return dims;
    }

    @Override
    public int outputDim() {
        return d;
    }

    @Override
    public List<String> attentionNames() {
        List<String> names = new ArrayList<>();
        for (int j = 0; j < groups.length; j++) {
            names.add("alpha_group" + j);
        }
        names.add("alpha_top");
        return names;
    }

    @Override
    protected int[] attentionWidths() {
        int[] w = new int[groups.length + 1];
        for (int j = 0; j < groups.length; j++) {
            w[j] = groups[j].length;
        }
        w[groups.length] = groups.length;
        return w;
    }

    @Override
    protected NDList fuse(ParameterStore ps, NDList inputs, boolean training) {
        NDList gathered = new NDList(groups.length);
        NDList alphas = new NDList(groups.length + 1);
        int offset = 0;
        for (int j = 0; j < groups.length; j++) {
            NDList part = new NDList(inputs.subList(offset, offset + groups[j].length));
            offset += groups[j].length;
            NDList out = groupAfgs.get(j).gather(ps, part, training);
            gathered.add(out.get(0));
            alphas.add(out.get(1));
        }
        NDList topOut = top.gather(ps, gathered, training);
        alphas.add(topOut.get(1));
        NDList result = new NDList(topOut.get(0));
        result.addAll(alphas);
        return result;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        checkInputShapes(inputShapes);
        long batch = Layers.batchOf(inputShapes);
        for (int j = 0; j < groups.length; j++) {
            groupAfgs.get(j).initialize(manager, dataType, shapes(batch, groups[j]));
        }
        long[] topDims = new long[groups.length];
        Arrays.fill(topDims, d);
        top.initialize(manager, dataType, shapes(batch, topDims));
    }
}
