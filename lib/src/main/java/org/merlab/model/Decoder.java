package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Maps the fused vector h (B, d) to the two MER-MULTI outputs: {@code [logits (B×C) named "logits",
 * valence (B) named "valence"]}. Only the first input array (h) is read.
 *
 * <p>The valence is <b>not</b> clipped here: clipping during training kills the gradient of every
 * sample outside [−5, 5]. Clip at prediction time only, with {@link #clipValence(NDArray)}
 * (method.md: "Predicted valence is clipped to [−5, 5]").
 *
 * <p>Paper: separate vs joint decoding of emotion and valence. Our reading: linear heads with
 * biases (as the official code's {@code nn.Linear}), C = 6 classes in {@code Emotion} order.
 */
public abstract class Decoder extends AbstractBlock {

    /** Lower end of the MER 2023 valence scale. */
    public static final float VALENCE_MIN = -5f;
    /** Upper end of the MER 2023 valence scale. */
    public static final float VALENCE_MAX = 5f;

    protected final int inputDim;
    protected final int numClasses;

    protected Decoder(byte version, int inputDim, int numClasses) {
        super(version);
        if (inputDim <= 0 || numClasses <= 1) {
            throw new IllegalArgumentException("Decoder needs inputDim > 0 and at least 2 classes");
        }
        this.inputDim = inputDim;
        this.numClasses = numClasses;
    }

    public int inputDim() {
        return inputDim;
    }

    public int numClasses() {
        return numClasses;
    }

    /** Returns {@code [logits (B, C), valence (B)]} for h (B, d). */
    protected abstract NDList decode(ParameterStore ps, NDArray h, boolean training);

    @Override
    protected final NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray h = inputs.head();
        Layers.checkFeatureShape(getClass().getSimpleName(), 0, h.getShape(), inputDim);
        NDList out = decode(ps, h, training);
        out.get(0).setName("logits");
        out.get(1).setName("valence");
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        return new Shape[] {new Shape(batch, numClasses), new Shape(batch)};
    }

    /** Clips predicted valences to [−5, 5]; for predictions only, never inside the training loss. */
    public static NDArray clipValence(NDArray valence) {
        return valence.clip(VALENCE_MIN, VALENCE_MAX);
    }

    /** (B, 1) → (B). */
    static NDArray column(NDArray x) {
        return x.reshape(x.getShape().get(0));
    }
}
