package org.merlab.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.merlab.model.DecisionFusion;

/** A config's figures over its seeds: what {@code metrics.json} and the top-level submission files hold. */
final class OverSeeds {
    private OverSeeds() {}

    /** Per split ("cv", then the test splits): mean, std and per-seed figures, and for a test split its seeds' ensemble. */
    static Map<String, SplitSummary> metrics(List<SeedResult> seeds) {
        Map<String, SplitSummary> out = new LinkedHashMap<>();
        List<Long> ids = seeds.stream().map(SeedResult::seed).toList();
        out.put("cv", SplitSummary.of(ids, seeds.stream().map(SeedResult::cv).toList(), null));
        for (String split : seeds.get(0).tests().keySet()) {
            List<Score> scores = seeds.stream().map(s -> Score.of(s.testScores().get(split))).toList();
            out.put(split, SplitSummary.of(ids, scores, Score.of(ensemble(seeds, split).score())));
        }
        return out;
    }

    /** Mean over seeds of the test scores (logits, or probabilities for a fusion) and valences. */
    static SplitPredictions ensemble(List<SeedResult> seeds, String split) {
        List<DecisionFusion.Prediction> preds = seeds.stream().map(s -> s.prediction(split)).toList();
        DecisionFusion.Prediction mean = DecisionFusion.meanOverFolds(preds);
        return seeds.get(0).tests().get(split).with(mean.scores(), mean.valence());
    }

    /**
     * The training time of every fold of {@code seeds}, whichever call trained it: each fold file keeps the seconds of
     * the call that trained it, so a call that reuses finished folds still says what they cost (its own {@code seconds}
     * is then only loading and scoring).
     */
    static double trainingSeconds(List<SeedResult> seeds) {
        double sum = 0;
        for (SeedResult s : seeds) for (FoldResult f : s.folds()) sum += f.summary().seconds();
        return sum;
    }
}
