package org.merlab.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The labels of one split, in a fixed sample order (sorted by name, so every reader and every run
 * sees the same order whatever the file's order was).
 */
public final class LabelSet {
    private final Split split;
    private final List<String> names;
    private final Map<String, Label> byName;

    private LabelSet(Split split, Map<String, Label> sorted) {
        this.split = split;
        this.byName = Collections.unmodifiableMap(sorted);
        this.names = List.copyOf(sorted.keySet());
    }

    /** Builds a label set, checking that names are unique. {@code source} names the file in errors. */
    public static LabelSet of(Split split, List<String> names, List<Label> labels, Path source) {
        Map<String, Label> map = new java.util.TreeMap<>();
        for (int i = 0; i < names.size(); i++) {
            if (map.put(names.get(i), labels.get(i)) != null) {
                throw new DataException(source, "duplicate sample name '" + names.get(i) + "'", "keep one row per sample");
            }
        }
        return new LabelSet(split, new LinkedHashMap<>(map));
    }

    public Split split() {
        return split;
    }

    public int size() {
        return names.size();
    }

    public List<String> names() {
        return names;
    }

    public Label get(String name) {
        return byName.get(name);
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** Class indices in sample order. */
    public int[] classes() {
        int[] out = new int[names.size()];
        for (int i = 0; i < out.length; i++) out[i] = byName.get(names.get(i)).emotion().ordinal();
        return out;
    }

    /** Valences in sample order (NaN where unknown). */
    public double[] valences() {
        double[] out = new double[names.size()];
        for (int i = 0; i < out.length; i++) out[i] = byName.get(names.get(i)).valence();
        return out;
    }

    /** Whether every sample has a known valence. */
    public boolean hasValence() {
        for (Label l : byName.values()) if (!l.hasValence()) return false;
        return true;
    }

    /** Counts per class, index order of {@link Emotion}. */
    public int[] classCounts() {
        int[] counts = new int[Emotion.COUNT];
        for (Label l : byName.values()) counts[l.emotion().ordinal()]++;
        return counts;
    }

    /** The labels restricted to the given names (in the given order's sorted form). */
    public LabelSet subset(List<String> keep) {
        List<Label> ls = new ArrayList<>(keep.size());
        for (String n : keep) ls.add(byName.get(n));
        return of(split, keep, ls, null);
    }
}
