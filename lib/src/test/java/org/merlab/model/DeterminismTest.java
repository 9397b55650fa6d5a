package org.merlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Same seed ⇒ bit-identical initialisation, forward (eval and dropout) and training steps. */
class DeterminismTest {

    static final ModelSpec SPEC = ModelSpec.paper(
            ModelSpec.Structure.HIERARCHICAL, ModelBuildTest.PAPER_GROUPS, ModelBuildTest.MU0);

    private static float[] forward(int seed, boolean training) {
        Engine.getInstance().setRandomSeed(seed);
        try (NDManager m = NDManager.newBaseManager()) {
            MerModel model = Models.build(SPEC);
            Shape[] in = model.inputShapes(8);
            model.initialize(m, DataType.FLOAT32, in);
            NDList xs = new NDList();
            for (Shape s : in) {
                xs.add(m.randomNormal(s));
            }
            return flatten(model.forward(new ParameterStore(m, false), xs, training));
        }
    }

    private static float[] flatten(NDList list) {
        float[] all = new float[0];
        for (NDArray a : list) {
            float[] x = a.toFloatArray();
            int n = all.length;
            all = Arrays.copyOf(all, n + x.length);
            System.arraycopy(x, 0, all, n, x.length);
        }
        return all;
    }

    @Test
    void evalForwardIsBitIdentical() {
        assertArrayEquals(forward(7, false), forward(7, false));
    }

    @Test
    void dropoutForwardIsBitIdentical() {
        float[] a = forward(7, true);
        assertArrayEquals(a, forward(7, true));
        assertFalse(Arrays.equals(a, forward(8, true)), "another seed should give other numbers");
    }

    /** Three Adam steps through DJL's Trainer, twice: the same losses and parameters, bit for bit. */
    @Test
    void trainingStepsAreBitIdentical() {
        assertArrayEquals(train(11), train(11));
    }

    private static float[] train(int seed) {
        Engine.getInstance().setRandomSeed(seed);
        ModelSpec spec = SPEC.withD(16).withHidden(32);
        try (Model model = Model.newInstance("det")) {
            MerModel block = Models.build(spec);
            model.setBlock(block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Models.loss(spec))
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).optWeightDecays(1e-5f).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(block.inputShapes(6));
                NDManager m = trainer.getManager();
                NDList xs = new NDList();
                for (Shape s : block.inputShapes(6)) {
                    xs.add(m.randomNormal(s));
                }
                NDList labels = new NDList(m.create(new long[] {0, 1, 2, 3, 4, 5}), m.randomUniform(-5f, 5f, new Shape(6)));
                float[] losses = new float[3];
                for (int step = 0; step < 3; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray loss = trainer.getLoss().evaluate(labels, trainer.forward(xs));
                        gc.backward(loss);
                        losses[step] = loss.getFloat();
                    }
                    trainer.step();
                }
                float[] params = flatten(new NDList(
                        ParameterNames.of(block).values().stream().map(p -> p.getArray()).toArray(NDArray[]::new)));
                float[] out = Arrays.copyOf(losses, losses.length + params.length);
                System.arraycopy(params, 0, out, losses.length, params.length);
                return out;
            }
        }
    }
}
