package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * The uncertainty-weighted multi-task loss (Kendall, Gal &amp; Cipolla 2018, log-variance form):
 * L = exp(−s_e)·CE + ½·s_e + ½·exp(−s_v)·MSE + ½·s_v.
 *
 * <p>s_e and s_v are not held here (a {@code Loss} is not a {@code Block}, so the optimizer would
 * not see them): they are parameters of the model's {@link UncertaintyWeights} and arrive in the
 * predictions as the arrays named {@code "s_e"} and {@code "s_v"}. Labels: {@code [emotion class
 * indices (B), valence (B)]}.
 *
 * <p>Paper: uncertainty-based weighting of the two tasks. Our reading: this exact form
 * (classification term without the ½, regression term with it) and s = 0 at the start.
 */
public final class UncertaintyLoss extends Loss {

    public UncertaintyLoss() {
        super("uncertainty_loss");
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray ce = LossTerms.crossEntropy(MerModel.logits(predictions), labels.get(0));
        NDArray mse = LossTerms.meanSquaredError(MerModel.valence(predictions), labels.get(1));
        return combine(ce, mse, require(predictions, "s_e"), require(predictions, "s_v"));
    }

    /** exp(−s_e)·ce + ½·s_e + ½·exp(−s_v)·mse + ½·s_v, as a scalar. */
    public static NDArray combine(NDArray ce, NDArray mse, NDArray sE, NDArray sV) {
        NDArray emotion = sE.neg().exp().mul(ce).add(DeviceScalars.scaled(sE, 0.5f));
        NDArray valence = DeviceScalars.scaled(sV.neg().exp().mul(mse), 0.5f).add(DeviceScalars.scaled(sV, 0.5f));
        return emotion.add(valence).sum();
    }

    private static NDArray require(NDList predictions, String name) {
        NDArray a = predictions.get(name);
        if (a == null) {
            throw new IllegalArgumentException(
                    "UncertaintyLoss needs the prediction array '" + name
                            + "': build the model with LossKind.UNCERTAINTY (it adds UncertaintyWeights)");
        }
        return a;
    }
}
