package org.merlab.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.merlab.metrics.MerScore;

/**
 * The four headline figures of one prediction set (fractions): weighted F1, accuracy, valence MSE
 * and the MER-MULTI combined score {@code weightedF1 − 0.25·MSE}. NaN (written as null) where the
 * split has no valence labels.
 */
@JsonPropertyOrder({"weighted_f1", "accuracy", "mse", "combined"})
public record Score(
        @JsonProperty("weighted_f1") Double weightedF1,
        @JsonProperty("accuracy") Double accuracy,
        @JsonProperty("mse") Double mse,
        @JsonProperty("combined") Double combined) {

    /** Null for NaN, so JSON stays standard. */
    public Score {
        weightedF1 = clean(weightedF1);
        accuracy = clean(accuracy);
        mse = clean(mse);
        combined = clean(combined);
    }

    public static Score of(MerScore s) {
        return new Score(s.weightedF1(), s.accuracy(), s.mse(), s.combined());
    }

    /** The CV figure of method.md: F1 and MSE averaged separately, then combined with the formula. */
    public static Score combine(double weightedF1, double accuracy, double mse) {
        return new Score(weightedF1, accuracy, mse, weightedF1 - MerScore.MSE_WEIGHT * mse);
    }

    /** A value as a double, NaN for null. */
    public static double value(Double d) {
        return d == null ? Double.NaN : d;
    }

    private static Double clean(Double d) {
        return d == null || d.isNaN() || d.isInfinite() ? null : d;
    }
}
