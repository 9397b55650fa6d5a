package org.merlab.data;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Short feature names used in configs and tables, and the feature directories they read
 * (method.md "Inputs"): {@code HL(k)} or {@code HL18} = HuBERT-large hidden state k,
 * {@code HL} = its last layer (the official {@code chinese-hubert-large-UTT}), {@code MR} = MANet,
 * {@code RF} = ResNet-FER. Any other name is taken as a directory under {@code features/}.
 *
 * <p>Two derived features combine others sample by sample, for the layer-combination ablation:
 * {@code sum(HL18,HL19,HL20)} (element-wise sum; the parts must have the same width) and
 * {@code concat(HL18,HL19,HL20)} (the parts side by side). A derived feature has no directory of its
 * own: {@link #directory()} is its canonical name, which is what identifies it in caches and sweeps.
 *
 * @param parts the combined features (empty for a plain one)
 */
public record FeatureName(String shortName, String directory, Combination combination, List<FeatureName> parts) {
    public static final String HUBERT_LAST = "chinese-hubert-large-UTT";
    public static final String MANET = "manet_UTT";
    public static final String RESNET_FER = "resnet50face_UTT";
    public static final int HUBERT_LAYERS = 25;
    private static final Pattern HL = Pattern.compile("HL\\(?(\\d{1,2})\\)?");
    private static final Pattern DERIVED = Pattern.compile("(sum|concat)\\((.*)\\)");

    /** How a derived feature combines its parts. */
    public enum Combination { NONE, SUM, CONCAT }

    public FeatureName {
        parts = List.copyOf(parts);
    }

    public FeatureName(String shortName, String directory) {
        this(shortName, directory, Combination.NONE, List.of());
    }

    public static FeatureName parse(String name) {
        String n = name.trim();
        Matcher d = DERIVED.matcher(n);
        if (d.matches()) return derived(d.group(1), d.group(2));
        Matcher m = HL.matcher(n);
        if (m.matches()) {
            int k = Integer.parseInt(m.group(1));
            if (k < 0 || k >= HUBERT_LAYERS) {
                throw new IllegalArgumentException("HuBERT-large has hidden states 0..24, not " + k);
            }
            return new FeatureName("HL" + k, hubertLayerDirectory(k));
        }
        return switch (n) {
            case "HL" -> new FeatureName("HL", HUBERT_LAST);
            case "MR" -> new FeatureName("MR", MANET);
            case "RF" -> new FeatureName("RF", RESNET_FER);
            default -> new FeatureName(n, n);
        };
    }

    private static FeatureName derived(String op, String args) {
        List<FeatureName> parts = new ArrayList<>();
        for (String a : args.split(",", -1)) {
            if (a.isBlank()) throw new IllegalArgumentException(op + "(...) has an empty part: " + op + "(" + args + ")");
            if (a.contains("sum(") || a.contains("concat(")) {
                throw new IllegalArgumentException(op + "(...) cannot nest a derived feature: " + op + "(" + args + ")");
            }
            parts.add(parse(a));
        }
        if (parts.size() < 2) throw new IllegalArgumentException(op + "(...) needs at least two features, e.g. " + op + "(HL18,HL19,HL20)");
        String canonical = op + "(" + String.join(",", parts.stream().map(FeatureName::shortName).toList()) + ")";
        return new FeatureName(canonical, canonical, op.equals("sum") ? Combination.SUM : Combination.CONCAT, parts);
    }

    public static String hubertLayerDirectory(int layer) {
        return "chinese-hubert-large-L" + layer + "-UTT";
    }

    /** Whether this combines other features rather than naming a directory. */
    public boolean isDerived() {
        return combination != Combination.NONE;
    }

    /** The feature directories this reads: its own, or its parts'. */
    public List<String> directories() {
        return isDerived() ? parts.stream().map(FeatureName::directory).toList() : List.of(directory);
    }

    /** Whether this is an audio (HuBERT) feature (a derived one: all its parts are). */
    public boolean isAudio() {
        return isDerived() ? parts.stream().allMatch(FeatureName::isAudio) : directory.startsWith("chinese-hubert-large");
    }

    @Override
    public String toString() {
        return shortName;
    }
}
