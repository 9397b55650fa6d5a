package org.merlab.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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

    /** The per-seed figures of method.md from the seed's folds. */
    static SeedResult of(long seed, List<FoldResult> folds) {
        double f1 = 0;
        double acc = 0;
        double mse = 0;
        for (FoldResult f : folds) {
            Score s = f.summary().heldOut();
            f1 += Score.value(s.weightedF1());
            acc += Score.value(s.accuracy());
            mse += Score.value(s.mse());
        }
        int k = folds.size();
        Score cv = Score.combine(f1 / k, acc / k, mse / k);
        Map<String, SplitPredictions> tests = new LinkedHashMap<>();
        Map<String, MerScore> scores = new LinkedHashMap<>();
        for (String split : folds.get(0).tests().keySet()) {
            List<SplitPredictions> parts = new ArrayList<>();
            for (FoldResult f : folds) parts.add(f.tests().get(split));
            SplitPredictions mean = SplitPredictions.meanOf(parts);
            tests.put(split, mean);
            scores.put(split, mean.score());
        }
        return new SeedResult(seed, folds, cv, tests, scores);
    }

    /** The test prediction of a split as a {@link DecisionFusion.Prediction}. */
    public DecisionFusion.Prediction prediction(String split) {
        return tests.get(split).toPrediction();
    }
}
