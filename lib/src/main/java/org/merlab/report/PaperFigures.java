package org.merlab.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The published figures merlab's tables print beside its own (data.md), keyed by the experiment
 * config that reproduces each row ({@code experiments/<name>.json}).
 */
public final class PaperFigures {
    public static final String BASELINE = "MER 2023 baseline paper, Tables 2-3";
    public static final String PAPER = "arXiv 2309.07925 (MER-MULTI leaderboard, 3rd place)";
    private static final double NA = Double.NaN;
    private static final Map<String, PaperFigure> BY_EXPERIMENT = new LinkedHashMap<>();

    static {
        put("hl", new PaperFigure("HuBERT-large (last layer), unimodal", BASELINE, .6567, .0054, 1.27, .03, .34, .6651, .0061, 1.22, .36));
        put("mr", new PaperFigure("MANet-RAFDB, unimodal", BASELINE, .5748, .0018, 1.38, .02, .23, .5619, .0028, 1.48, .19));
        put("rf", new PaperFigure("ResNet-FER2013, unimodal", BASELINE, .5658, .0037, 1.35, .02, .23, .5744, .0096, 1.28, .25));
        put("attention-hl-rf", new PaperFigure("HL + RF, attention fusion", BASELINE, .7275, .0030, .88, .02, .51, .7230, .0040, .84, .51));
        put("attention-hl-mr", new PaperFigure("HL + MR, attention fusion", BASELINE, .7292, .0054, .86, .01, .52, .7338, .0102, .83, .53));
        put("final-system", new PaperFigure("the paper's final system", PAPER, NA, NA, NA, NA, NA, NA, NA, NA, .6846));
    }

    private PaperFigures() {}

    private static void put(String experiment, PaperFigure f) {
        BY_EXPERIMENT.put(experiment, f);
    }

    /** The published row an experiment reproduces, if the papers publish one. */
    public static Optional<PaperFigure> forExperiment(String experimentName) {
        return Optional.ofNullable(BY_EXPERIMENT.get(experimentName));
    }

    public static Map<String, PaperFigure> all() {
        return java.util.Collections.unmodifiableMap(BY_EXPERIMENT);
    }
}
