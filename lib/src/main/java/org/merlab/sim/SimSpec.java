package org.merlab.sim;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The knobs of MER-SIM's generative model (data.md "MER-SIM"). Defaults are the calibrated values
 * (docs/mer-sim-calibration.md); any subset can be overridden from JSON ({@code ./merlab sim --spec}).
 *
 * <p>Per clip: a latent emotional state {@code z = centroid[class] + withinSpread · ε} in
 * {@code latentDim} dimensions; three latent axes (0: audio only, {@code visualLatentStart}: shared, the last:
 * video only) order the class centroids by their mean valence ({@code valenceAxisScale}) and carry the
 * readable within-class valence. Audio features see latent dims {@code [0, audioLatentEnd)}, visual
 * ones {@code [visualLatentStart, latentDim)}: the overlap is shared, the rest complementary. Each
 * feature is {@code gain · P z_m + nuisanceGain · Q speaker + noise · ε}, with its own random
 * projections P, Q into its dimension. Valence = class mean + a within-class part of which the
 * fraction {@code valencePredictable} (in correlation) is readable from the latent state.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record SimSpec(
        long seed,
        int train,
        int test1,
        int test2,
        int latentDim,
        int audioLatentEnd,
        int visualLatentStart,
        double classSeparation,
        double valenceAxisScale,
        double withinSpread,
        double valenceWithinSd,
        double valencePredictable,
        int speakers,
        double nuisanceGain,
        double hubertFirstGain,
        double hubertPeakGain,
        double hubertLastGain,
        int hubertPeakLayer,
        double layerNoiseCorrelation,
        double audioNoise,
        double manetGain,
        double resnetGain,
        double visualNoise,
        double test2AudioNoiseFactor) {

    public static SimSpec defaults() {
        // Tuned with environment/calibration/proxy_check.py (see docs/mer-sim-calibration.md).
        return new SimSpec(2023, 3373, 411, 412,
                12, 10, 6,
                0.7, 1.0, 1.0,
                0.854, 0.7,
                300, 1.0,
                0.045, 0.345, 0.22, 19, 0.9, 1.0,
                0.205, 0.22, 1.0,
                1.8);
    }

    public SimSpec withSeed(long s) {
        return new SimSpec(s, train, test1, test2, latentDim, audioLatentEnd, visualLatentStart, classSeparation,
                valenceAxisScale, withinSpread, valenceWithinSd, valencePredictable, speakers, nuisanceGain, hubertFirstGain,
                hubertPeakGain, hubertLastGain, hubertPeakLayer, layerNoiseCorrelation, audioNoise, manetGain,
                resnetGain, visualNoise, test2AudioNoiseFactor);
    }

    public SimSpec withSizes(int tr, int t1, int t2) {
        return new SimSpec(seed, tr, t1, t2, latentDim, audioLatentEnd, visualLatentStart, classSeparation,
                valenceAxisScale, withinSpread, valenceWithinSd, valencePredictable, speakers, nuisanceGain, hubertFirstGain,
                hubertPeakGain, hubertLastGain, hubertPeakLayer, layerNoiseCorrelation, audioNoise, manetGain,
                resnetGain, visualNoise, test2AudioNoiseFactor);
    }

    /** Emotional signal gain of HuBERT hidden state k: rises with depth, peaks, falls at the last layers. */
    public double hubertGain(int layer) {
        if (layer <= hubertPeakLayer) {
            double t = (double) layer / hubertPeakLayer;
            return hubertFirstGain + (hubertPeakGain - hubertFirstGain) * Math.pow(t, 1.5);
        }
        double t = (double) (layer - hubertPeakLayer) / (24 - hubertPeakLayer);
        return hubertPeakGain - (hubertPeakGain - hubertLastGain) * t * t;
    }

    /** Checks the values, naming the first bad one. */
    public void validate() {
        require(train >= 10 && test1 >= 0 && test2 >= 0, "train ≥ 10, test1/test2 ≥ 0");
        require(latentDim >= 2 && audioLatentEnd > 0 && audioLatentEnd <= latentDim, "0 < audioLatentEnd ≤ latentDim");
        require(visualLatentStart >= 0 && visualLatentStart < latentDim, "0 ≤ visualLatentStart < latentDim");
        require(valencePredictable >= 0 && valencePredictable <= 1, "valencePredictable in [0, 1]");
        require(layerNoiseCorrelation >= 0 && layerNoiseCorrelation < 1, "layerNoiseCorrelation in [0, 1)");
        require(hubertPeakLayer > 0 && hubertPeakLayer < 24, "hubertPeakLayer in 1..23");
        require(speakers >= 1, "speakers ≥ 1");
    }

    private static void require(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException("MER-SIM spec: expected " + what);
    }
}
