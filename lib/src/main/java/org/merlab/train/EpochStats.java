package org.merlab.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One epoch of one fold: the mean training loss over its batches, the held-out figures after it
 * (valence clipped to [−5, 5] before the MSE), σ_e = exp(s_e/2) and σ_v = exp(s_v/2) of the
 * uncertainty loss at its end (null with the fixed loss), and its wall time in seconds.
 *
 * @param epoch 1-based
 */
@JsonPropertyOrder({"epoch", "train_loss", "held_out_weighted_f1", "held_out_accuracy", "held_out_mse",
        "held_out_combined", "sigma_e", "sigma_v", "seconds"})
public record EpochStats(
        @JsonProperty("epoch") int epoch,
        @JsonProperty("train_loss") double trainLoss,
        @JsonProperty("held_out_weighted_f1") double heldOutWeightedF1,
        @JsonProperty("held_out_accuracy") double heldOutAccuracy,
        @JsonProperty("held_out_mse") double heldOutMse,
        @JsonProperty("held_out_combined") double heldOutCombined,
        @JsonProperty("sigma_e") Double sigmaE,
        @JsonProperty("sigma_v") Double sigmaV,
        @JsonProperty("seconds") double seconds) {}
