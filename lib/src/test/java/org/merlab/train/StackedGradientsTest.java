package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.NormalInitializer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.merlab.model.MerModel;
import org.merlab.model.ModelSpec;
import org.merlab.model.Models;
import org.merlab.model.StackedModel;

/**
 * {@link StackedModel#dropGradients}, what the optimizer calls after each step instead of zeroing: the weights stay
 * (same values, same memory: an update written into the stack after the drop is what the next forward reads), and
 * the next backward's gradient is that backward's alone, not added to the last one.
 */
class StackedGradientsTest {
    private static final int K = 2;
    private static final int BATCH = 3;

    @Test
    void afterTheDropTheNextBackwardWritesOnlyItsOwnGradient() {
        try (NDManager nm = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            ModelSpec spec = ModelSpec.paper(ModelSpec.Structure.UNIMODAL, new long[][] {{12}},
                    new float[] {0.1f, -2.5f, 2.2f, -2.0f, -1.3f, 0.6f});
            List<MerModel> models = new java.util.ArrayList<>();
            for (int i = 0; i < K; i++) {
                MerModel m = Models.build(spec);
                m.setInitializer(new NormalInitializer(0.1f), ai.djl.nn.Parameter.Type.WEIGHT);
                m.initialize(nm, DataType.FLOAT32, m.inputShapes(1));
                models.add(m);
            }
            StackedModel stack = StackedModel.of(spec, models, nm);
            NDList inputs = new NDList(nm.randomNormal(new Shape(K, BATCH, 12)));

            Map<String, float[]> once = backward(stack, inputs);
            Map<String, float[]> twice = backward(stack, inputs); // no drop: libtorch adds to what is there
            Map<String, float[]> weights = values(stack.parameters());
            Map<String, NDArray> before = new LinkedHashMap<>(stack.parameters());

            stack.dropGradients();

            for (Map.Entry<String, NDArray> e : stack.parameters().entrySet()) {
                assertNotSame(before.get(e.getKey()), e.getValue(), e.getKey() + ": a fresh leaf");
                assertTrue(e.getValue().hasGradient(), e.getKey() + " still requires a gradient");
                assertArrayEquals(weights.get(e.getKey()), e.getValue().toFloatArray(), 0f, e.getKey() + " keeps its weights");
            }
            Map<String, float[]> afterDrop = backward(stack, inputs);
            int nonZero = 0;
            for (String name : once.keySet()) {
                float[] g = once.get(name);
                for (int i = 0; i < g.length; i++) {
                    assertEquals(2 * g[i], twice.get(name)[i], 1e-6f * Math.max(1f, Math.abs(g[i])), name + " accumulated");
                    if (g[i] != 0f) nonZero++;
                }
                assertArrayEquals(g, afterDrop.get(name), 0f, name + ": the gradient of one backward");
            }
            assertTrue(nonZero > 100, "gradients flow: " + nonZero);

            // the leaf is the stack's memory: the optimizer's writes into it are what the next forward reads
            NDArray w = stack.parameters().get("decoder_emo_bias");
            CpuAdamKernel.floats(w).put(0, 5f);
            assertEquals(5f, stack.parameters().get("decoder_emo_bias").toFloatArray()[0], 0f);
            stack.close();
        }
    }

    /** One forward and backward of the summed outputs; every parameter's gradient afterwards, copied out. */
    private static Map<String, float[]> backward(StackedModel stack, NDList inputs) {
        try (Autograd rec = Autograd.record()) {
            StackedModel.Output out = stack.forward(inputs, null);
            rec.backward(out.logits().square().sum().add(out.valence().sum()));
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : stack.parameters().entrySet()) {
            NDArray g = e.getValue().getGradient();
            grads.put(e.getKey(), g.toFloatArray());
            g.close();
        }
        return grads;
    }

    private static Map<String, float[]> values(Map<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }
}
