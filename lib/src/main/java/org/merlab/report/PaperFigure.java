package org.merlab.report;

/**
 * One published row to compare against (data.md: the MER 2023 baseline paper's Tables 2–3, and the
 * reproduced paper's final score). Fractions, not percents; NaN where the paper gives no figure.
 *
 * @param system     the row's name in the paper
 * @param source     where the figure is published
 */
public record PaperFigure(String system, String source, double cvF1, double cvF1Std, double cvMse, double cvMseStd, double cvCombined,
                          double test1F1, double test1F1Std, double test1Mse, double test1Combined) {

    public boolean hasCv() {
        return !Double.isNaN(cvF1);
    }
}
