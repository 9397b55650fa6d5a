package org.merlab.train;

import java.util.List;
import java.util.Map;
import org.merlab.metrics.MerScore;
import org.merlab.model.DecisionFusion;

/**
 * All folds of one seed, aggregated as method.md says: {@code cv} = mean over folds of the kept
 * epochs' held-out weighted F1, accuracy and MSE, combined with the formula; per test split the
 * fold models' mean logits and mean valence ({@code tests}, scores = logits) and their score.
 * For a decision-fused system the folds are the fused out-of-fold predictions and the test
 * scores are probabilities.
 */
public record SeedResult(long seed, List<FoldResult> folds, Score cv, Map<String, SplitPredictions> tests,
                         Map<String, MerScore> testScores) {

    /** The test prediction of a split as a {@link DecisionFusion.Prediction}. */
    public DecisionFusion.Prediction prediction(String split) {
        return tests.get(split).toPrediction();
    }
}
