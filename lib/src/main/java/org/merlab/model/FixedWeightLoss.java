package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * The fixed-weight multi-task loss L = λ_e·CE + λ_v·MSE (batch means), λ = 1:1 by default.
 *
 * <p>Official code / paper baseline: the MER 2023 baseline sums CE and MSE. Labels: {@code
 * [emotion class indices (B), valence (B)]}; predictions: a {@link MerModel} output ({@code
 * [logits, valence, ...]}).
 */
public final class FixedWeightLoss extends Loss {

    private final float lambdaEmotion;
    private final float lambdaValence;

    public FixedWeightLoss() {
        this(1f, 1f);
    }

    public FixedWeightLoss(float lambdaEmotion, float lambdaValence) {
        super("fixed_loss");
        this.lambdaEmotion = lambdaEmotion;
        this.lambdaValence = lambdaValence;
    }

    public float lambdaEmotion() {
        return lambdaEmotion;
    }

    public float lambdaValence() {
        return lambdaValence;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray ce = LossTerms.crossEntropy(MerModel.logits(predictions), labels.get(0));
        NDArray mse = LossTerms.meanSquaredError(MerModel.valence(predictions), labels.get(1));
        return DeviceScalars.scaled(ce, lambdaEmotion).add(DeviceScalars.scaled(mse, lambdaValence));
    }
}
