package org.merlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StratifiedKFoldTest {
    /** MER 2023 train class counts. */
    private static int[] merClasses() {
        int[] counts = {871, 822, 689, 383, 462, 146};
        int[] classes = new int[3373];
        int k = 0;
        for (int c = 0; c < 6; c++) for (int i = 0; i < counts[c]; i++) classes[k++] = c;
        return classes;
    }

    @Test
    void foldsPartitionTheSamplesAndKeepClassProportions() {
        int[] y = merClasses();
        StratifiedKFold kf = new StratifiedKFold(y, 6, 5, 42);
        boolean[] seen = new boolean[y.length];
        for (int f = 0; f < 5; f++) {
            int[] held = kf.heldOut(f), train = kf.training(f);
            assertEquals(y.length, held.length + train.length);
            assertTrue(held.length == 674 || held.length == 675, "fold sizes differ by at most one: " + held.length);
            int[] counts = new int[6];
            for (int i : held) {
                assertFalse(seen[i], "each sample held out once");
                seen[i] = true;
                counts[y[i]]++;
            }
            int[] total = {871, 822, 689, 383, 462, 146};
            for (int c = 0; c < 6; c++) assertTrue(Math.abs(counts[c] - total[c] / 5.0) <= 1, "class " + c + " in fold " + f + ": " + counts[c]);
        }
    }

    @Test
    void sameSeedSameFoldsOtherSeedOtherFolds() {
        int[] y = merClasses();
        assertArrayEquals(new StratifiedKFold(y, 6, 5, 1).heldOut(0), new StratifiedKFold(y, 6, 5, 1).heldOut(0));
        assertFalse(Arrays.equals(new StratifiedKFold(y, 6, 5, 1).heldOut(0), new StratifiedKFold(y, 6, 5, 2).heldOut(0)));
    }
}
