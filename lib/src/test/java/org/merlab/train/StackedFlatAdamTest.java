package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.NormalInitializer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.merlab.model.MerModel;
import org.merlab.model.ModelSpec;
import org.merlab.model.Models;
import org.merlab.model.StackedModel;

/**
 * The flat Adam update (the GPU default: every parameter a view of one buffer per weight-decay group, one libtorch
 * update per group) against libtorch's update per parameter, on the CPU: the same weights bit for bit through steps
 * of every model, steps with one model a step behind (per-parameter updates of the views), a {@code retain} that
 * drops a model and one that adds one (the buffers rebuilt). If the parameters were copies instead of views of the buffer,
 * the flat update would not move them and the weights would part at the first step.
 */
class StackedFlatAdamTest {
    private static final int K = 3;
    private static final int BATCH = 4;
    private static final float LR = 1e-3f;
    private static final float WD = 1e-2f; // large enough that a wrong decay group shows in the weights

    @Test
    void flatUpdateGivesTheWeightsOfThePerParameterUpdate() {
        try (NDManager nm = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Map<String, float[]> perParameter = train(nm, StackedAdam.LIBTORCH);
            Map<String, float[]> flat = train(nm, StackedAdam.FLAT);
            assertEquals(perParameter.keySet(), flat.keySet());
            for (String name : perParameter.keySet()) {
                assertArrayEquals(perParameter.get(name), flat.get(name), 0f, name);
            }
        }
    }

    @Test
    void flatParametersAreViewsOfTheirGroupBuffer() {
        try (NDManager nm = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            StackedModel stack = stack(nm, K, 0);
            Map<String, float[]> before = values(stack.parameters());
            stack.flatten(List.of(List.of("decoder_emo_bias"), List.of("uncertainty_s_e", "uncertainty_s_v")));
            assertEquals(2, stack.flatGroups().size());
            NDArray buffer = stack.flat(1);
            assertEquals(2 * K, buffer.size(), "s_e and s_v end to end");
            assertArrayEquals(before.get("uncertainty_s_e"), stack.parameters().get("uncertainty_s_e").toFloatArray(), 0f);
            buffer.addi(1f); // in place on the buffer: both views see it
            float[] se = stack.parameters().get("uncertainty_s_e").toFloatArray();
            float[] sv = stack.parameters().get("uncertainty_s_v").toFloatArray();
            for (int i = 0; i < K; i++) {
                assertEquals(before.get("uncertainty_s_e")[i] + 1f, se[i], 0f);
                assertEquals(before.get("uncertainty_s_v")[i] + 1f, sv[i], 0f);
            }
            assertTrue(stack.parameters().get("uncertainty_s_e").hasGradient(), "a leaf that records its gradient");
            stack.close();
        }
    }

    /** Eight steps (model 0 left out of one), a retain that drops model 0, two steps, one that adds a model, two more. */
    private static Map<String, float[]> train(NDManager nm, String implementation) {
        String old = System.getProperty(StackedAdam.KERNEL_PROPERTY);
        System.setProperty(StackedAdam.KERNEL_PROPERTY, implementation);
        try (NDManager m = nm.newSubManager()) {
            StackedModel stack = stack(m, K, 0);
            StackedAdam adam = new StackedAdam(stack, LR, WD, m);
            assertEquals(implementation.equals(StackedAdam.FLAT) ? 2 : 0, stack.flatGroups().size(), "flat groups");
            NDManager data = m.newSubManager();
            ai.djl.engine.Engine.getInstance().setRandomSeed(7);
            List<NDList> batches = new ArrayList<>();
            for (int s = 0; s < 12; s++) {
                int rows = s >= 8 && s < 10 ? K - 1 : K;
                batches.add(new NDList(data.randomNormal(new Shape(rows, BATCH, 12))));
            }
            Map<String, float[]> start = values(stack.parameters());
            for (int s = 0; s < 8; s++) {
                boolean[] active = {s != 5, true, true}; // from step 5 on model 0 is a step behind: per-parameter updates
                step(stack, adam, batches.get(s), active);
            }
            assertNotEquals(start.get("uncertainty_s_e")[1], stack.parameters().get("uncertainty_s_e").toFloatArray()[1],
                    "the no-decay group is updated");
            stack.retain(new int[] {1, 2}, null); // the two models left are at the same step: flat updates again
            adam.retain(new int[] {1, 2}, 0);
            for (int s = 8; s < 10; s++) step(stack, adam, batches.get(s), new boolean[] {true, true});
            try (StackedModel added = stack(m, 1, 100)) {
                stack.retain(new int[] {0, 1}, added);
                adam.retain(new int[] {0, 1}, 1);
            }
            for (int s = 10; s < 12; s++) step(stack, adam, batches.get(s), new boolean[] {true, true, true});
            Map<String, float[]> out = values(stack.parameters());
            data.close();
            stack.close();
            return out;
        } finally {
            if (old == null) System.clearProperty(StackedAdam.KERNEL_PROPERTY);
            else System.setProperty(StackedAdam.KERNEL_PROPERTY, old);
        }
    }

    private static void step(StackedModel stack, StackedAdam adam, NDList inputs, boolean[] active) {
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
            try (Autograd rec = Autograd.record()) {
                StackedModel.Output out = stack.forward(inputs, null);
                NDArray loss = out.logits().square().sum().add(out.valence().sum());
                NDArray se = stack.parameters().get("uncertainty_s_e");
                NDArray sv = stack.parameters().get("uncertainty_s_v");
                rec.backward(loss.add(se.sum().mul(0.5f)).add(sv.sum()));
            }
            adam.step(active);
            scope.suppressNotUsedWarning();
        }
    }

    /** K models of the paper's unimodal system (joint decoder, uncertainty loss), each from its own seed. */
    private static StackedModel stack(NDManager nm, int k, int seed) {
        ModelSpec spec = ModelSpec.paper(ModelSpec.Structure.UNIMODAL, new long[][] {{12}},
                new float[] {0.1f, -2.5f, 2.2f, -2.0f, -1.3f, 0.6f});
        List<MerModel> models = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(seed + i + 1);
            MerModel mm = Models.build(spec);
            mm.setInitializer(new NormalInitializer(0.1f), ai.djl.nn.Parameter.Type.WEIGHT);
            mm.initialize(nm, DataType.FLOAT32, mm.inputShapes(1));
            models.add(mm);
        }
        return StackedModel.of(spec, models, nm);
    }

    private static Map<String, float[]> values(Map<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }
}
