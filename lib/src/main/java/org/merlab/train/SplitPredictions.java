package org.merlab.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.merlab.data.Emotion;
import org.merlab.metrics.MerScore;
import org.merlab.model.DecisionFusion;
import org.merlab.model.Decoder;

/**
 * A model's predictions for a set of samples, with their truth: the raw logits (N×6) and the
 * unclipped valence, as the model produced them. Scoring clips the valence to [−5, 5].
 *
 * @param split       "train" (out-of-fold rows), "test1", "test2"
 * @param names       sample names
 * @param rows        row of each sample in its split's label order
 * @param trueClass   true class per sample
 * @param trueValence true valence per sample, NaN where unknown
 * @param logits      N×C logits
 * @param valence     N unclipped valences
 */
public record SplitPredictions(String split, List<String> names, int[] rows, int[] trueClass, double[] trueValence,
                               float[][] logits, float[] valence) {

    public SplitPredictions {
        names = List.copyOf(names);
        int n = names.size();
        if (rows.length != n || trueClass.length != n || trueValence.length != n || logits.length != n || valence.length != n) {
            throw new IllegalArgumentException("prediction arrays of different lengths (" + n + " names)");
        }
    }

    public int size() {
        return names.size();
    }

    /** Arg-max class per sample (the first maximum on ties). */
    public int[] predictedClass() {
        return new DecisionFusion.Prediction(logits, valence).argmax();
    }

    /** Valences clipped to [−5, 5], as doubles. */
    public double[] clippedValence() {
        double[] out = new double[valence.length];
        for (int i = 0; i < out.length; i++) out[i] = Math.max(Decoder.VALENCE_MIN, Math.min(Decoder.VALENCE_MAX, valence[i]));
        return out;
    }

    /** Softmax of the logits per row. */
    public float[][] probabilities() {
        return DecisionFusion.softmax(logits);
    }

    /** Whether every sample has a known valence. */
    public boolean hasValence() {
        for (double v : trueValence) if (Double.isNaN(v)) return false;
        return true;
    }

    /** The MER score (classes only when some valence is unknown). */
    public MerScore score() {
        return score(predictedClass(), clippedValence());
    }

    MerScore score(int[] predClass, double[] predValence) {
        return hasValence() ? MerScore.of(trueClass, predClass, trueValence, predValence)
                : MerScore.classesOnly(trueClass, predClass);
    }

    /** As a {@link DecisionFusion.Prediction} (scores = logits). */
    public DecisionFusion.Prediction toPrediction() {
        return new DecisionFusion.Prediction(logits, valence);
    }

    /** The same samples with other scores and valences (e.g. a fused prediction). */
    public SplitPredictions with(float[][] newScores, float[] newValence) {
        return new SplitPredictions(split, names, rows, trueClass, trueValence, newScores, newValence);
    }

    /**
     * The official combination of fold models (method.md): mean of the logits and of the valences
     * over the folds, in double precision. All parts must cover the same samples in the same order.
     */
    public static SplitPredictions meanOf(List<SplitPredictions> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("nothing to average");
        SplitPredictions first = parts.get(0);
        List<DecisionFusion.Prediction> preds = new ArrayList<>();
        for (SplitPredictions p : parts) {
            if (!p.names.equals(first.names)) throw new IllegalArgumentException("fold predictions cover different samples");
            preds.add(p.toPrediction());
        }
        DecisionFusion.Prediction mean = DecisionFusion.meanOverFolds(preds);
        return first.with(mean.scores(), mean.valence());
    }

    /** Class names in index order, for CSV headers. */
    static List<String> classLabels(int numClasses) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < numClasses; i++) out.add(MerScore.className(i, numClasses));
        return out;
    }

    /** The MER submission label of a class index. */
    static String label(int c) {
        return c >= 0 && c < Emotion.COUNT ? Emotion.ofIndex(c).label() : "class_" + c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SplitPredictions p && split.equals(p.split) && names.equals(p.names) && Arrays.equals(rows, p.rows)
                && Arrays.equals(trueClass, p.trueClass) && Arrays.equals(trueValence, p.trueValence)
                && Arrays.deepEquals(logits, p.logits) && Arrays.equals(valence, p.valence);
    }

    @Override
    public int hashCode() {
        return names.hashCode() * 31 + Arrays.hashCode(valence);
    }

    @Override
    public String toString() {
        return "SplitPredictions[" + split + ", " + size() + " samples]";
    }
}
