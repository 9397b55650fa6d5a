package org.merlab.model;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

/**
 * The blocks train under DJL's own {@code Trainer}: the loss falls on a fixed batch and the
 * optimizer reaches s_e, s_v (they live in the model block, not in the loss).
 */
class TrainingSmokeTest {

    @Test
    void s3JointUncertaintyOverfitsABatch() {
        Engine.getInstance().setRandomSeed(3);
        ModelSpec spec = ModelSpec.paper(ModelSpec.Structure.CROSS, new long[][] {{20, 20, 20}, {10, 12}},
                ModelBuildTest.MU0).withD(16).withHidden(32).withDropout(0f);
        try (Model model = Model.newInstance("smoke")) {
            MerModel block = Models.build(spec);
            model.setBlock(block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Models.loss(spec))
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(block.inputShapes(12));
                // DefaultTrainingConfig without optInitializer keeps the blocks' PyTorch-like init
                NDArray w = ParameterNames.of(block).get("structure_other_enc0_fc1_weight").getArray();
                assertTrue(w.abs().max().getFloat() <= 1.0 / Math.sqrt(10) + 1e-7);
                NDManager m = trainer.getManager();
                NDList xs = new NDList();
                for (Shape s : block.inputShapes(12)) {
                    xs.add(m.randomNormal(s));
                }
                NDArray emo = m.create(new long[] {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5});
                NDArray val = m.create(new float[] {0f, -3f, 3f, -2f, -1f, 1f, 0.5f, -2.5f, 2f, -3f, -1.5f, 0.5f});
                NDList labels = new NDList(emo, val);
                float first = Float.NaN;
                float last = Float.NaN;
                for (int step = 0; step < 60; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray loss = trainer.getLoss().evaluate(labels, trainer.forward(xs, labels));
                        gc.backward(loss);
                        last = loss.getFloat();
                        if (step == 0) {
                            first = last;
                        }
                    }
                    trainer.step();
                }
                assertTrue(last < 0.5f * first, "loss " + first + " -> " + last);
                UncertaintyWeights uw = block.uncertainty();
                assertNotEquals(0f, uw.logVarianceEmotion().getArray().getFloat(0), "s_e never updated");
                assertNotEquals(0f, uw.logVarianceValence().getArray().getFloat(0), "s_v never updated");
                assertTrue(uw.sigmaEmotion() > 0f && uw.sigmaValence() > 0f);
            }
        }
    }
}
