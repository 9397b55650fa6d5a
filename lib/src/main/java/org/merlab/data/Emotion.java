package org.merlab.data;

import java.util.Locale;

/** The six MER 2023 discrete emotions, in the official index order (data.md). */
public enum Emotion {
    NEUTRAL, ANGRY, HAPPY, SAD, WORRIED, SURPRISE;

    public static final int COUNT = values().length;

    /** The label as MER 2023 writes it: lower case ("neutral", "angry", ...). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a MER label, case-insensitively; null when it is not one of the six. */
    public static Emotion fromLabel(String label) {
        if (label == null) return null;
        String key = label.trim().toUpperCase(Locale.ROOT);
        for (Emotion e : values()) if (e.name().equals(key)) return e;
        return null;
    }

    public static Emotion ofIndex(int index) {
        return values()[index];
    }
}
