package org.merlab.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * What one finished fold writes to {@code seed-<s>/fold-<k>.json}: the kept epoch and its held-out
 * figures, the per-epoch curves (train loss, held-out F1/MSE/combined, σ_e/σ_v), the held-out
 * attention summary of the kept epoch, and, for joint decoders, μ at the start and at the kept
 * epoch. Its predictions go to {@code fold-<k>-predictions.csv} beside it.
 */
@JsonPropertyOrder({"experiment", "seed", "fold", "folds", "train_samples", "held_out_samples", "best_epoch",
        "epochs_run", "epochs_max", "stopped_early", "held_out", "curves", "attention", "mu_initial", "mu_kept",
        "seconds", "device"})
public record FoldSummary(
        @JsonProperty("experiment") String experiment,
        @JsonProperty("seed") long seed,
        @JsonProperty("fold") int fold,
        @JsonProperty("folds") int folds,
        @JsonProperty("train_samples") int trainSamples,
        @JsonProperty("held_out_samples") int heldOutSamples,
        @JsonProperty("best_epoch") int bestEpoch,
        @JsonProperty("epochs_run") int epochsRun,
        @JsonProperty("epochs_max") int epochsMax,
        @JsonProperty("stopped_early") boolean stoppedEarly,
        @JsonProperty("held_out") Score heldOut,
        @JsonProperty("curves") List<EpochStats> curves,
        @JsonProperty("attention") Map<String, AttentionSummary> attention,
        @JsonProperty("mu_initial") float[] muInitial,
        @JsonProperty("mu_kept") float[] muKept,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("device") String device) {

    public FoldSummary {
        curves = List.copyOf(curves);
        attention = attention == null ? Map.of() : attention;
    }
}
