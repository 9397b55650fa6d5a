package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/**
 * Multi-label joint decoding: the discrete emotion drives the valence.
 *
 * <p>logits = W_e h + b_e; p = softmax(logits); v_map = Σ_k p_k μ_k with μ ∈ R^C learnable and
 * initialised at the per-class mean valence of the training fold. Then, by {@link Mode}:
 * <ul>
 *   <li>{@code RESIDUAL} (default): v = v_map + (w_vᵀ h + b_v);
 *   <li>{@code MAPPING}: v = v_map;
 *   <li>{@code GATED}: v = g·v_reg + (1 − g)·v_map with g = sigmoid(w_gᵀ h + b_g).
 * </ul>
 *
 * <p>Paper: "the discrete emotions determine the dimensional emotions" (joint decoding). Our
 * reading (method.md): the soft mapping through μ, its initialisation, the residual default and
 * the two variants. Gradients flow into the logits through v_map as well.
 *
 * <p>Parameters: {@code mu} (C), {@code emo_weight, emo_bias}, {@code val_weight, val_bias}
 * (RESIDUAL, GATED), {@code gate_weight, gate_bias} (GATED).
 */
public final class JointDecoder extends Decoder {

    /** How the valence combines the class mapping and a direct regression. */
    public enum Mode { RESIDUAL, MAPPING, GATED }

    private static final byte VERSION = 1;

    private final Mode mode;
    private final float[] classMeanValence;
    private final Parameter mu;
    private final Linear emo;
    private final Linear val;
    private final Linear gate;

    /**
     * @param inputDim width of h
     * @param classMeanValence initial μ: mean valence per class on the training fold (length C)
     * @param mode valence combination
     */
    public JointDecoder(int inputDim, float[] classMeanValence, Mode mode) {
        super(VERSION, inputDim, classMeanValence.length);
        this.mode = mode;
        this.classMeanValence = classMeanValence.clone();
        float[] init = this.classMeanValence;
        Initializer muInit = (manager, shape, dataType) -> manager.create(init, shape).toType(dataType, false);
        mu = addParameter(Parameter.builder()
                .setName("mu")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(numClasses))
                .optInitializer(muInit)
                .build());
        emo = addChildBlock("emo", Layers.linear(inputDim, numClasses, true));
        val = mode == Mode.MAPPING ? null : addChildBlock("val", Layers.linear(inputDim, 1, true));
        gate = mode == Mode.GATED ? addChildBlock("gate", Layers.linear(inputDim, 1, true)) : null;
    }

    public Mode mode() {
        return mode;
    }

    /** The μ this decoder was built with (its initial value). */
    public float[] initialClassValence() {
        return classMeanValence.clone();
    }

    /** The current μ (after training: the learnt per-class valence anchors). */
    public Parameter mu() {
        return mu;
    }

    @Override
    protected NDList decode(ParameterStore ps, NDArray h, boolean training) {
        NDArray logits = emo.forward(ps, new NDList(h), training).singletonOrThrow();
        NDArray muArr = ps.getValue(mu, h.getDevice(), training);
        NDArray vMap = logits.softmax(1).mul(muArr).sum(new int[] {1});
        NDArray v;
        switch (mode) {
            case MAPPING:
                v = vMap;
                break;
            case RESIDUAL:
                v = vMap.add(column(val.forward(ps, new NDList(h), training).singletonOrThrow()));
                break;
            case GATED: {
                NDArray vReg = column(val.forward(ps, new NDList(h), training).singletonOrThrow());
                NDArray g = column(gate.forward(ps, new NDList(h), training).singletonOrThrow());
                g = Activation.sigmoid(g);
                v = g.mul(vReg).add(DeviceScalars.oneMinus(g).mul(vMap));
                break;
            }
            default:
                throw new IllegalStateException("unknown mode " + mode);
        }
        return new NDList(logits, v);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long batch = Layers.batchOf(inputShapes);
        Layers.initLinear(emo, manager, dataType, batch, inputDim);
        if (val != null) {
            Layers.initLinear(val, manager, dataType, batch, inputDim);
        }
        if (gate != null) {
            Layers.initLinear(gate, manager, dataType, batch, inputDim);
        }
    }
}
