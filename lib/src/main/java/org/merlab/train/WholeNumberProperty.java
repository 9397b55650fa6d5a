package org.merlab.train;

/**
 * The engine's counts set as system properties ({@code -Dmerlab.batch.k}, {@code -Dmerlab.cpu.stacks},
 * {@code -Dmerlab.parallel}): one parser, and one error that names the setting as it was given.
 */
final class WholeNumberProperty {
    private WholeNumberProperty() {}

    /**
     * {@code value} (of {@code -Dproperty}) as a whole number ≥ 1; anything else is an error naming it, with {@code note}
     * after (e.g. {@code " (1: one stack)"}, or empty).
     */
    static int atLeastOne(String property, String value, String note) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + property + "=" + value + ": expected a whole number ≥ 1" + note);
    }
}
