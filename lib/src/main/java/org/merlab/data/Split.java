package org.merlab.data;

import java.util.Locale;

/** The MER 2023 splits: Train&Val, and the three test sets (data.md). */
public enum Split {
    TRAIN("train"), TEST1("test1"), TEST2("test2"), TEST3("test3");

    private final String id;

    Split(String id) {
        this.id = id;
    }

    /** "train", "test1", ...: the name used in file names, configs and results. */
    public String id() {
        return id;
    }

    /** The key of this split in {@code label-6way.npz}. */
    public String npzKey() {
        return id + "_corpus";
    }

    /** The official CSV label file of this split in {@code dataset-release/}. */
    public String csvFileName() {
        return id + "-label.csv";
    }

    public static Split parse(String s) {
        for (Split sp : values()) if (sp.id.equals(s.toLowerCase(Locale.ROOT))) return sp;
        throw new IllegalArgumentException("unknown split '" + s + "' (expected train, test1, test2 or test3)");
    }
}
