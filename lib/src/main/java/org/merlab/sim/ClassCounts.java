package org.merlab.sim;

import org.merlab.data.Emotion;

/** The class counts MER-SIM reproduces (data.md), scaled by largest remainder for other sizes. */
final class ClassCounts {
    /** Train&Val counts in {@link Emotion} order: neutral, angry, happy, sad, worried, surprise. */
    static final int[] TRAIN = {871, 822, 689, 383, 462, 146};
    /** MER-MULTI (test1) counts. */
    static final int[] TEST1 = {88, 105, 93, 50, 57, 18};

    private ClassCounts() {}

    static int[] scaled(int[] reference, int total) {
        int refTotal = 0;
        for (int c : reference) refTotal += c;
        int[] out = new int[reference.length];
        double[] remainder = new double[reference.length];
        int assigned = 0;
        for (int i = 0; i < reference.length; i++) {
            double exact = (double) reference[i] * total / refTotal;
            out[i] = (int) Math.floor(exact);
            remainder[i] = exact - out[i];
            assigned += out[i];
        }
        while (assigned < total) {
            int best = 0;
            for (int i = 1; i < remainder.length; i++) if (remainder[i] > remainder[best]) best = i;
            out[best]++;
            remainder[best] = -1;
            assigned++;
        }
        return out;
    }
}
