package org.merlab.data;

import java.nio.file.Path;

/** Turns raw label values into a {@link Label}, with the one-line errors every label reader shares. */
final class LabelParsing {
    private LabelParsing() {}

    static Label label(Path file, String sample, String emotion, double valence) {
        Emotion e = Emotion.fromLabel(emotion);
        if (e == null) {
            throw new DataException(file, "unknown emotion label '" + emotion + "' for sample " + sample,
                    "use one of neutral, angry, happy, sad, worried, surprise");
        }
        if (valence == Label.UNKNOWN_VALENCE_MARK) return new Label(e, Double.NaN);
        if (Double.isNaN(valence) || valence < Label.MIN_VALENCE || valence > Label.MAX_VALENCE) {
            throw new DataException(file, "valence " + valence + " out of range [-5, 5] for sample " + sample,
                    "fix the value (or write -10 for unknown)");
        }
        return new Label(e, valence);
    }
}
