package org.merlab.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One split's figures over seeds, as {@code metrics.json} writes them: mean and standard deviation
 * (population, ddof 0, as numpy's default) of weighted F1, accuracy, MSE and combined, the value of
 * every seed, and, for test splits, the score of the seeds' ensemble (mean scores and valences
 * over seeds; what the top-level submission file holds).
 */
@JsonPropertyOrder({"mean", "std", "per_seed", "seed_ensemble"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SplitSummary(
        @JsonProperty("mean") Score mean,
        @JsonProperty("std") Score std,
        @JsonProperty("per_seed") List<SeedScore> perSeed,
        @JsonProperty("seed_ensemble") Score seedEnsemble) {

    /** One seed's figures. */
    @JsonPropertyOrder({"seed", "weighted_f1", "accuracy", "mse", "combined"})
    public record SeedScore(
            @JsonProperty("seed") long seed,
            @JsonProperty("weighted_f1") Double weightedF1,
            @JsonProperty("accuracy") Double accuracy,
            @JsonProperty("mse") Double mse,
            @JsonProperty("combined") Double combined) {
        static SeedScore of(long seed, Score s) {
            return new SeedScore(seed, s.weightedF1(), s.accuracy(), s.mse(), s.combined());
        }

        Score score() {
            return new Score(weightedF1, accuracy, mse, combined);
        }
    }

    static SplitSummary of(List<Long> seeds, List<Score> scores, Score ensemble) {
        List<SeedScore> per = new ArrayList<>();
        for (int i = 0; i < seeds.size(); i++) per.add(SeedScore.of(seeds.get(i), scores.get(i)));
        Score mean = new Score(mean(scores, Score::weightedF1), mean(scores, Score::accuracy), mean(scores, Score::mse),
                mean(scores, Score::combined));
        Score std = new Score(std(scores, Score::weightedF1), std(scores, Score::accuracy), std(scores, Score::mse),
                std(scores, Score::combined));
        return new SplitSummary(mean, std, per, ensemble);
    }

    private static double mean(List<Score> s, Function<Score, Double> f) {
        double sum = 0;
        for (Score x : s) sum += Score.value(f.apply(x));
        return sum / s.size();
    }

    private static double std(List<Score> s, Function<Score, Double> f) {
        double m = mean(s, f);
        double sum = 0;
        for (Score x : s) {
            double d = Score.value(f.apply(x)) - m;
            sum += d * d;
        }
        return Math.sqrt(sum / s.size());
    }
}
