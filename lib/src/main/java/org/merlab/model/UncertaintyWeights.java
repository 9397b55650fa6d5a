package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.List;

/**
 * The two learnable log-variances of the uncertainty-weighted loss (Kendall, Gal &amp; Cipolla 2018):
 * s_e for the emotion cross-entropy, s_v for the valence MSE, both initialised at 0.
 *
 * <p>A DJL {@code Loss} is not a {@code Block}, so its own parameters would never reach the
 * optimizer; this block lives inside {@link MerModel} instead, and its forward hands views of s_e,
 * s_v (shape (1), named {@code "s_e"}, {@code "s_v"}) to the model output, where {@link
 * UncertaintyLoss} finds them. s_e and s_v must get no weight decay (method.md): see {@link
 * MerModel#noDecayParameters()}.
 *
 * <p>Paper: the uncertainty-based loss weighting. Our reading: the log-variance form
 * L = exp(−s_e)·CE + ½·s_e + ½·exp(−s_v)·MSE + ½·s_v and the zero initialisation.
 * Parameters: {@code s_e}, {@code s_v}.
 */
public final class UncertaintyWeights extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Parameter sE;
    private final Parameter sV;

    /** s_e = s_v = 0 at the start (σ = 1: the fixed 1:1 loss up to the ½ on the MSE). */
    public UncertaintyWeights() {
        this(0f, 0f);
    }

    public UncertaintyWeights(float initialSE, float initialSV) {
        super(VERSION);
        sE = addParameter(scalar("s_e", initialSE));
        sV = addParameter(scalar("s_v", initialSV));
    }

    private static Parameter scalar(String name, float value) {
        Initializer init = (manager, shape, dataType) -> manager.full(shape, value, dataType);
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(1))
                .optInitializer(init)
                .build();
    }

    /** The parameters s_e and s_v (to be excluded from weight decay). */
    public List<Parameter> parameters() {
        return List.of(sE, sV);
    }

    public Parameter logVarianceEmotion() {
        return sE;
    }

    public Parameter logVarianceValence() {
        return sV;
    }

    /** σ_e = exp(s_e / 2), for logging. */
    public float sigmaEmotion() {
        return (float) Math.exp(sE.getArray().getFloat(0) / 2.0);
    }

    /** σ_v = exp(s_v / 2), for logging. */
    public float sigmaValence() {
        return (float) Math.exp(sV.getArray().getFloat(0) / 2.0);
    }

    /** Returns {@code [s_e, s_v]} as views (closing them does not close the parameters). */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        ai.djl.Device device = inputs.isEmpty() ? sE.getArray().getDevice() : inputs.head().getDevice();
        NDArray e = ps.getValue(sE, device, training).reshape(1);
        NDArray v = ps.getValue(sV, device, training).reshape(1);
        e.setName("s_e");
        v.setName("s_v");
        return new NDList(e, v);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(1), new Shape(1)};
    }
}
