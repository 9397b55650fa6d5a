package org.merlab.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.merlab.metrics.MerScore;
import org.merlab.model.DecisionFusion;

/**
 * Decision-level fusion of the members' results (method.md), seed by seed: per fold, and per test split,
 * P = Σ w softmax(logits) and v = Σ w v; the fusion's CV figure from its fused out-of-fold predictions; and the weights,
 * uniform or the best of a grid on those same predictions averaged over the seeds.
 */
final class FusedSeeds {
    /** Grid resolution of {@code oof-grid} fusion weights: multiples of 1/10 summing to 1. */
    static final int GRID_STEPS = 10;

    private FusedSeeds() {}

    /**
     * The fusion weights: {@code oof-grid}, the grid point with the best fused CV figure averaged over seeds (the first
     * of equals); otherwise uniform.
     *
     * @param bySeed per seed, the members' results in member order
     */
    static double[] weights(String mode, List<List<SeedResult>> bySeed, int members) {
        if (!"oof-grid".equals(mode)) return DecisionFusion.uniformWeights(members);
        double[] weights = null;
        double best = Double.NEGATIVE_INFINITY;
        for (double[] w : DecisionFusion.simplexGrid(members, GRID_STEPS)) {
            double sum = 0;
            for (List<SeedResult> row : bySeed) sum += Score.value(cv(row, w).combined());
            double c = sum / bySeed.size();
            if (weights == null || c > best) {
                best = c;
                weights = w;
            }
        }
        return weights;
    }

    /** Fused out-of-fold CV figure of one seed: per fold P = Σ w softmax(logits), v = Σ w v; then method.md's mean over folds. */
    static Score cv(List<SeedResult> members, double[] w) {
        int k = members.get(0).folds().size();
        double f1 = 0;
        double acc = 0;
        double mse = 0;
        for (int fold = 0; fold < k; fold++) {
            MerScore score = heldOut(members, fold, w).score();
            f1 += score.weightedF1();
            acc += score.accuracy();
            mse += score.mse();
        }
        return Score.combine(f1 / k, acc / k, mse / k);
    }

    /** The fused system's result for one seed: its folds are the fused out-of-fold predictions, its test scores probabilities. */
    static SeedResult fuse(long seed, List<SeedResult> members, double[] w) {
        int k = members.get(0).folds().size();
        List<FoldResult> folds = new ArrayList<>();
        for (int fold = 0; fold < k; fold++) {
            SplitPredictions held = heldOut(members, fold, w);
            FoldSummary s = new FoldSummary("fusion", seed, fold, k, 0, held.size(), 0, 0, 0, false, Score.of(held.score()),
                    List.of(), Map.of(), null, null, 0, "");
            folds.add(new FoldResult(s, held, Map.of()));
        }
        Score cv = cv(members, w);
        Map<String, SplitPredictions> tests = new LinkedHashMap<>();
        Map<String, MerScore> scores = new LinkedHashMap<>();
        for (String split : members.get(0).tests().keySet()) {
            List<DecisionFusion.Prediction> preds = members.stream().map(m -> m.prediction(split)).toList();
            DecisionFusion.Prediction p = DecisionFusion.acrossStructures(preds, w);
            SplitPredictions fusedSplit = members.get(0).tests().get(split).with(p.scores(), p.valence());
            tests.put(split, fusedSplit);
            scores.put(split, fusedSplit.score());
        }
        return new SeedResult(seed, folds, cv, tests, scores);
    }

    private static SplitPredictions heldOut(List<SeedResult> members, int fold, double[] w) {
        List<DecisionFusion.Prediction> preds = new ArrayList<>();
        SplitPredictions first = members.get(0).folds().get(fold).heldOut();
        for (SeedResult m : members) {
            SplitPredictions h = m.folds().get(fold).heldOut();
            if (!h.names().equals(first.names())) {
                throw new IllegalStateException("fusion members hold out different samples in fold " + fold
                        + " (different dataset or folds?)");
            }
            preds.add(h.toPrediction());
        }
        DecisionFusion.Prediction p = DecisionFusion.acrossStructures(preds, w);
        return first.with(p.scores(), p.valence());
    }
}
