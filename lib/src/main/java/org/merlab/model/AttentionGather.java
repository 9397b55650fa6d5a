package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * AFG, attention-guided feature gathering: n vectors (possibly of different widths) → one d-dim
 * vector g and the weights α.
 *
 * <p>Paper: the name and the idea (attention-weighted gathering of layer / modality features).
 * Our reading (method.md): each input has its own {@link FeatureEncoder} (not shared) giving
 * z_i ∈ R^d; scores e_i = wᵀ tanh(U z_i + c) with U (d×d), c and w shared across inputs;
 * α = softmax(e) over the n inputs; g = Σ α_i z_i.
 *
 * <p>Input: n arrays (B, D_i). Output: {@code [g (B×d) named "g", α (B×n) named "alpha"]}.
 * Parameters: {@code enc<i>_fc<k>_weight/bias}, {@code proj_weight} (U), {@code proj_bias} (c),
 * {@code score_weight} (w, 1×d, no bias).
 */
public final class AttentionGather extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int d;
    private final List<FeatureEncoder> encoders = new ArrayList<>();
    private final Linear proj;
    private final Linear score;

    /**
     * @param encoders one encoder per input, in input order; each must output {@code d} values
     * @param d the common width
     */
    public AttentionGather(List<FeatureEncoder> encoders, int d) {
        super(VERSION);
        if (encoders.isEmpty()) {
            throw new IllegalArgumentException("AttentionGather needs at least one input");
        }
        this.d = d;
        for (int i = 0; i < encoders.size(); i++) {
            FeatureEncoder e = encoders.get(i);
            if (e.outputDim() != d) {
                throw new IllegalArgumentException("encoder " + i + " outputs " + e.outputDim() + ", not d=" + d);
            }
            this.encoders.add(addChildBlock("enc" + i, e));
        }
        proj = addChildBlock("proj", Layers.linear(d, d, true));
        score = addChildBlock("score", Layers.linear(d, 1, false));
    }

    /** An AFG over raw features of the given widths, each through {@link FeatureEncoder#raw}. */
    public static AttentionGather ofRaw(long[] dims, int hidden, int d, float dropout) {
        List<FeatureEncoder> encs = new ArrayList<>();
        for (long dim : dims) {
            encs.add(FeatureEncoder.raw(dim, hidden, d, dropout));
        }
        return new AttentionGather(encs, d);
    }

    /** An AFG over n outputs of other AFGs, each through {@link FeatureEncoder#gathered}. */
    public static AttentionGather ofGathered(int n, int d, float dropout) {
        List<FeatureEncoder> encs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            encs.add(FeatureEncoder.gathered(d, dropout));
        }
        return new AttentionGather(encs, d);
    }

    public int inputCount() {
        return encoders.size();
    }

    public int outputDim() {
        return d;
    }

    /** Widths the inputs must have, in order. */
    public long[] inputDims() {
        long[] dims = new long[encoders.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = encoders.get(i).inputDim();
        }
        return dims;
    }

    /** Returns {@code [g, alpha]}. */
    NDList gather(ParameterStore ps, NDList inputs, boolean training) {
        Layers.checkCount("AttentionGather", inputs.size(), encoders.size());
        NDList zs = new NDList(encoders.size());
        for (int i = 0; i < encoders.size(); i++) {
            zs.add(encoders.get(i).encode(ps, inputs.get(i), training));
        }
        NDArray z = NDArrays.stack(zs, 1); // (B, n, d)
        long batch = z.getShape().get(0);
        long n = encoders.size();
        NDArray flat = z.reshape(batch * n, d);
        NDArray u = proj.forward(ps, new NDList(flat), training).singletonOrThrow().tanh();
        NDArray e = score.forward(ps, new NDList(u), training).singletonOrThrow().reshape(batch, n);
        NDArray alpha = e.softmax(1);
        NDArray g = z.mul(alpha.expandDims(2)).sum(new int[] {1});
        g.setName("g");
        alpha.setName("alpha");
        return new NDList(g, alpha);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return gather(ps, inputs, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        return new Shape[] {new Shape(batch, d), new Shape(batch, encoders.size())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Layers.checkCount("AttentionGather", inputShapes.length, encoders.size());
        long batch = Layers.batchOf(inputShapes);
        for (int i = 0; i < encoders.size(); i++) {
            encoders.get(i).initialize(manager, dataType, inputShapes[i]);
        }
        Layers.initLinear(proj, manager, dataType, batch, d);
        Layers.initLinear(score, manager, dataType, batch, d);
    }

    /** Shapes an AFG's output hands to the next AFG: (B, d). */
    static Shape gatheredShape(long batch, int d) {
        return new Shape(batch, d);
    }
}
