package org.merlab.data;

/** One sample's annotation: discrete emotion and valence in [−5, 5] (NaN when unknown, as in test3). */
public record Label(Emotion emotion, double valence) {
    public static final double MIN_VALENCE = -5.0;
    public static final double MAX_VALENCE = 5.0;
    /** MER 2023 writes −10 for "valence unknown" (test3). */
    public static final double UNKNOWN_VALENCE_MARK = -10.0;

    public boolean hasValence() {
        return !Double.isNaN(valence);
    }
}
