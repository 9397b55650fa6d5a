package org.merlab.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decision-level fusion, pure arithmetic on predictions (no DJL).
 *
 * <p>Official code: within one structure, fold models are combined by the mean of their logits and
 * the mean of their valences ({@link #meanOverFolds}). Our reading (method.md) for the paper's
 * "decision-level fusion" of the three structures: P = Σ_s w_s·softmax(logits_s), v = Σ_s w_s·v_s,
 * uniform w by default ({@link #acrossStructures}); weights chosen by grid search on out-of-fold
 * predictions are an option ({@link #simplexGrid} enumerates candidates; the metric lives
 * elsewhere). Never choose weights on test labels.
 */
public final class DecisionFusion {

    private DecisionFusion() {}

    /**
     * Class scores and valences of N samples.
     *
     * @param scores N×C: logits ({@link #meanOverFolds}) or probabilities ({@link #acrossStructures})
     * @param valence N valences (unclipped)
     */
    public record Prediction(float[][] scores, float[] valence) {
        public int size() {
            return valence.length;
        }

        /** The arg-max class per sample. */
        public int[] argmax() {
            int[] out = new int[scores.length];
            for (int i = 0; i < scores.length; i++) {
                int best = 0;
                for (int c = 1; c < scores[i].length; c++) {
                    if (scores[i][c] > scores[i][best]) {
                        best = c;
                    }
                }
                out[i] = best;
            }
            return out;
        }

        /** Valences clipped to [−5, 5] (prediction time). */
        public float[] clippedValence() {
            float[] out = new float[valence.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = Math.max(Decoder.VALENCE_MIN, Math.min(Decoder.VALENCE_MAX, valence[i]));
            }
            return out;
        }
    }

    /** Mean of logits and of valences over the fold models of one structure (scores stay logits). */
    public static Prediction meanOverFolds(List<Prediction> folds) {
        return weightedSum(folds, uniformWeights(folds.size()), false);
    }

    /** P = Σ w_s softmax(logits_s), v = Σ w_s v_s with uniform weights (scores become probabilities). */
    public static Prediction acrossStructures(List<Prediction> structures) {
        return acrossStructures(structures, uniformWeights(structures.size()));
    }

    /**
     * P = Σ w_s softmax(logits_s), v = Σ w_s v_s. The weights must be non-negative; they are
     * normalised to sum 1 so that P stays a distribution and v a weighted mean.
     */
    public static Prediction acrossStructures(List<Prediction> structures, double[] weights) {
        return weightedSum(structures, weights, true);
    }

    /** w_s = 1/n. */
    public static double[] uniformWeights(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("need at least one prediction");
        }
        double[] w = new double[n];
        Arrays.fill(w, 1.0 / n);
        return w;
    }

    /**
     * All weight vectors of length n with entries k/steps (k = 0..steps) summing to 1: the candidates
     * of a grid search on out-of-fold predictions.
     */
    public static List<double[]> simplexGrid(int n, int steps) {
        if (n <= 0 || steps <= 0) {
            throw new IllegalArgumentException("n and steps must be positive");
        }
        List<double[]> out = new ArrayList<>();
        fill(new int[n], 0, steps, steps, out);
        return out;
    }

    private static void fill(int[] k, int pos, int left, int steps, List<double[]> out) {
        if (pos == k.length - 1) {
            k[pos] = left;
            double[] w = new double[k.length];
            for (int i = 0; i < k.length; i++) {
                w[i] = (double) k[i] / steps;
            }
            out.add(w);
            return;
        }
        for (int v = left; v >= 0; v--) {
            k[pos] = v;
            fill(k, pos + 1, left - v, steps, out);
        }
    }

    /** Softmax of each row, in double precision. */
    public static float[][] softmax(float[][] logits) {
        float[][] out = new float[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (float x : logits[i]) {
                max = Math.max(max, x);
            }
            double sum = 0;
            double[] e = new double[logits[i].length];
            for (int c = 0; c < e.length; c++) {
                e[c] = Math.exp(logits[i][c] - max);
                sum += e[c];
            }
            out[i] = new float[e.length];
            for (int c = 0; c < e.length; c++) {
                out[i][c] = (float) (e[c] / sum);
            }
        }
        return out;
    }

    private static Prediction weightedSum(List<Prediction> preds, double[] weights, boolean softmaxFirst) {
        if (preds.isEmpty() || preds.size() != weights.length) {
            throw new IllegalArgumentException("need one weight per prediction (" + preds.size() + " predictions, "
                    + weights.length + " weights)");
        }
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("weights must be finite and non-negative");
            }
            total += w;
        }
        if (total <= 0) {
            throw new IllegalArgumentException("weights must not all be zero");
        }
        int n = preds.get(0).size();
        int c = preds.get(0).scores()[0].length;
        double[][] s = new double[n][c];
        double[] v = new double[n];
        for (int k = 0; k < preds.size(); k++) {
            Prediction p = preds.get(k);
            if (p.size() != n || p.scores().length != n) {
                throw new IllegalArgumentException("prediction " + k + " covers " + p.size() + " samples, not " + n);
            }
            float[][] scores = softmaxFirst ? softmax(p.scores()) : p.scores();
            double w = weights[k] / total;
            for (int i = 0; i < n; i++) {
                if (scores[i].length != c) {
                    throw new IllegalArgumentException("prediction " + k + " has " + scores[i].length + " classes, not " + c);
                }
                for (int j = 0; j < c; j++) {
                    s[i][j] += w * scores[i][j];
                }
                v[i] += w * p.valence()[i];
            }
        }
        float[][] outS = new float[n][c];
        float[] outV = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                outS[i][j] = (float) s[i][j];
            }
            outV[i] = (float) v[i];
        }
        return new Prediction(outS, outV);
    }
}
