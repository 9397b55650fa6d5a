package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * The two task losses, as batch means (PyTorch {@code F.cross_entropy} / {@code F.mse_loss} with
 * {@code reduction="mean"}).
 *
 * <p>Official code / paper: CE for the emotion, MSE for the valence, both batch means; the
 * weighting of the two is {@link FixedWeightLoss} or {@link UncertaintyLoss}.
 */
public final class LossTerms {

    private LossTerms() {}

    /** Mean softmax cross-entropy of logits (B, C) against class indices (B), any numeric type. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray idx = labels.toType(DataType.INT64, false).reshape(-1, 1);
        NDArray picked = logits.logSoftmax(1).get(new NDIndex().addAllDim().addPickDim(idx));
        return picked.neg().mean();
    }

    /** Mean squared error between predicted and true valences, both (B). */
    public static NDArray meanSquaredError(NDArray predicted, NDArray target) {
        return predicted.sub(target.toType(predicted.getDataType(), false).reshape(predicted.getShape()))
                .square()
                .mean();
    }
}
