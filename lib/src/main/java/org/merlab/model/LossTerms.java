package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

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

    /**
     * {@code x · c}, for the losses. Not {@code x.mul(c)}: DJL makes the factor a 0-d tensor over a Java direct
     * buffer ({@code from_blob}) and closes it as soon as {@code mul} returns, while autograd keeps that tensor for
     * the backward ({@code MulBackward0} saves the other factor). Once the array is closed the buffer can be collected,
     * and a GC between the forward and the backward frees the memory the backward reads: the gradient then took a
     * stray value (freed malloc memory; the allocator's free-list pointer), in some runs only, as often as the heap
     * was small. Here the factor is libtorch's own memory, which the saved tensor keeps alive. Same value, same
     * kernel, so the same numbers as {@code mul(c)} when that read the right value.
     */
    public static NDArray scaled(NDArray x, float c) {
        try (NDArray factor = x.getManager().full(new Shape(), c, x.getDataType(), x.getDevice())) {
            return x.mul(factor);
        }
    }

    /** Mean squared error between predicted and true valences, both (B). */
    public static NDArray meanSquaredError(NDArray predicted, NDArray target) {
        return predicted.sub(target.toType(predicted.getDataType(), false).reshape(predicted.getShape()))
                .square()
                .mean();
    }
}
