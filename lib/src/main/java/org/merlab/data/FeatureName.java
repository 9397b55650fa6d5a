package org.merlab.data;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Short feature names used in configs and tables, and the feature directories they read
 * (method.md "Inputs"): {@code HL(k)} or {@code HL18} = HuBERT-large hidden state k,
 * {@code HL} = its last layer (the official {@code chinese-hubert-large-UTT}), {@code MR} = MANet,
 * {@code RF} = ResNet-FER. Any other name is taken as a directory under {@code features/}.
 */
public record FeatureName(String shortName, String directory) {
    public static final String HUBERT_LAST = "chinese-hubert-large-UTT";
    public static final String MANET = "manet_UTT";
    public static final String RESNET_FER = "resnet50face_UTT";
    public static final int HUBERT_LAYERS = 25;
    private static final Pattern HL = Pattern.compile("HL\\(?(\\d{1,2})\\)?");

    public static FeatureName parse(String name) {
        String n = name.trim();
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

    public static String hubertLayerDirectory(int layer) {
        return "chinese-hubert-large-L" + layer + "-UTT";
    }

    /** Whether this is an audio (HuBERT) feature. */
    public boolean isAudio() {
        return directory.startsWith("chinese-hubert-large");
    }

    @Override
    public String toString() {
        return shortName;
    }
}
