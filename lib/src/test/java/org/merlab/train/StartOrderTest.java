package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.merlab.experiment.ExperimentConfig;
import org.merlab.experiment.ExperimentConfigs;
import org.merlab.experiment.Profile;
import org.merlab.model.ModelSpec;
import org.merlab.report.Study;

/** The order in which {@code runAll} starts independent configs on its threads: the costliest first. */
class StartOrderTest {

    private static final Path DIR = Path.of("..", "experiments");

    private static long cost(String name, Profile profile) {
        return TrainingSchedule.trainingCost(ExperimentConfigs.read(DIR.resolve(name + ".json")), profile);
    }

    @Test
    void costliestGroupStartsFirstAndTiesKeepTheirOrder() {
        Map<Integer, Long> cost = Map.of(0, 5L, 1, 3L, 2, 3L, 3, 10L, 4, 5L);
        List<List<Integer>> order = TrainingSchedule.costliestFirst(
                List.of(List.of(0), List.of(1, 2), List.of(3), List.of(4)), cost::get);
        assertEquals(List.of(List.of(3), List.of(1, 2), List.of(0), List.of(4)), order);
    }

    @Test
    void costIsModelEpochsTimesParameterArrays() {
        // hl: encoder fc1, fc2 and the separate heads' two linears, weight and bias each
        assertEquals(3L * 5 * 100 * 8, cost("hl", Profile.PAPER));
        assertEquals(1L * 5 * 5 * 8, cost("hl", Profile.QUICK), "the profile's seeds and epochs: quick trains 1 seed, 5 epochs");
        ExperimentConfig fusion = ExperimentConfigs.read(DIR.resolve("final-system.json"));
        assertEquals(0, TrainingSchedule.trainingCost(fusion, Profile.PAPER), "a decision fusion trains nothing itself");
        // a unimodal model over two features cannot be built: its model-epochs alone, and its training reports why
        ExperimentConfig unbuildable = Study.withFeatures(ExperimentConfigs.read(DIR.resolve("hl.json")),
                List.of(List.of("HL18", "HL19")), ModelSpec.Structure.UNIMODAL);
        assertEquals(3L * 5 * 100, TrainingSchedule.trainingCost(unbuildable, Profile.PAPER));
    }

    @Test
    void paperProfileRanksTheSweepThenTheFusionStructuresThenTheBaselines() {
        long sweep = 0;
        for (int layer = 0; layer < 25; layer++) sweep += cost(String.format("hl-L%02d", layer), Profile.PAPER);
        long s3 = cost("s3-joint-uncertainty", Profile.PAPER);
        long s1 = cost("s1-joint-uncertainty", Profile.PAPER);
        long attention = cost("attention-hl-mr", Profile.PAPER);
        long unimodal = cost("hl", Profile.PAPER);
        assertTrue(sweep > s3, sweep + " vs " + s3);
        assertTrue(s1 > attention, s1 + " vs " + attention);
        assertTrue(s3 > attention, s3 + " vs " + attention);
        assertTrue(attention > unimodal, attention + " vs " + unimodal);
    }
}
