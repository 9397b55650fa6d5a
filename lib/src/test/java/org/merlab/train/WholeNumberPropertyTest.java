package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The engine's counts: whole numbers ≥ 1, and an error naming the setting otherwise ({@link WholeNumberProperty}). */
class WholeNumberPropertyTest {

    @Test
    void aCountIsAWholeNumberOfAtLeastOne() {
        assertEquals(3, WholeNumberProperty.atLeastOne("merlab.x", " 3 ", ""));
        for (String bad : new String[] {"0", "-2", "1.5", "two", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WholeNumberProperty.atLeastOne("merlab.x", bad, " (a note)"));
            assertEquals("-Dmerlab.x=" + bad + ": expected a whole number ≥ 1 (a note)", e.getMessage());
        }
    }

    /** {@code --parallel} reaches the engine as {@code -Dmerlab.parallel}; a bad value names it and the variable. */
    @Test
    void theParallelismSettingIsOneOfThem() {
        IllegalArgumentException e = TinySimTest.withProperties(Map.of(TrainingSchedule.PARALLEL_PROPERTY, "0"),
                () -> assertThrows(IllegalArgumentException.class, TrainingSchedule::parallelism));
        assertEquals("-Dmerlab.parallel=0: expected a whole number ≥ 1 (or MERLAB_PARALLEL)", e.getMessage());
        assertEquals(2, (int) TinySimTest.withProperties(Map.of(TrainingSchedule.PARALLEL_PROPERTY, "2"), TrainingSchedule::parallelism));
    }
}
