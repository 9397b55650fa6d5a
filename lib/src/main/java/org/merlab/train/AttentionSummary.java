package org.merlab.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attention weights of one attention array (e.g. {@code alpha}, {@code alpha_group0},
 * {@code alpha_top}) over the held-out samples of a fold's kept epoch: the mean weight per input,
 * overall and per true class. Enough for a notebook to plot which layer or modality the model
 * trusts for which emotion.
 *
 * @param inputs  what each weight is about (feature names, group names), in weight order
 * @param mean    mean weight per input over all held-out samples
 * @param perClass mean weight per input over the held-out samples of each true class (classes
 *                 without samples are left out)
 * @param count   samples per class, same keys as {@code perClass}
 */
@JsonPropertyOrder({"inputs", "mean", "per_class", "count"})
public record AttentionSummary(
        @JsonProperty("inputs") List<String> inputs,
        @JsonProperty("mean") double[] mean,
        @JsonProperty("per_class") Map<String, double[]> perClass,
        @JsonProperty("count") Map<String, Integer> count) {

    /** Summarises {@code weights} (row-major N×width) by the true classes. */
    static AttentionSummary of(List<String> inputs, float[] weights, int width, int[] trueClass, int numClasses) {
        int n = trueClass.length;
        double[] mean = new double[width];
        double[][] sum = new double[numClasses][width];
        int[] counts = new int[numClasses];
        for (int i = 0; i < n; i++) {
            counts[trueClass[i]]++;
            for (int j = 0; j < width; j++) {
                double w = weights[i * width + j];
                mean[j] += w;
                sum[trueClass[i]][j] += w;
            }
        }
        for (int j = 0; j < width; j++) mean[j] /= Math.max(1, n);
        Map<String, double[]> perClass = new LinkedHashMap<>();
        Map<String, Integer> count = new LinkedHashMap<>();
        for (int c = 0; c < numClasses; c++) {
            if (counts[c] == 0) continue;
            double[] m = new double[width];
            for (int j = 0; j < width; j++) m[j] = sum[c][j] / counts[c];
            perClass.put(SplitPredictions.label(c), m);
            count.put(SplitPredictions.label(c), counts[c]);
        }
        return new AttentionSummary(inputs, mean, perClass, count);
    }
}
