package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.NormalInitializer;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.merlab.model.MerModel;
import org.merlab.model.ModelSpec;
import org.merlab.model.ModelSpec.DecoderKind;
import org.merlab.model.ModelSpec.LossKind;
import org.merlab.model.ModelSpec.Structure;
import org.merlab.model.Models;
import org.merlab.model.StackedModel;

/**
 * A step of the batched engine, as the GPU runs it (dropout drawn in chunks, the flat Adam update), makes no array from
 * Java memory. On a GPU every such array is a synchronous copy from the host that waits for all the work queued before
 * it, so one per step makes every step wait for the last (docs/benchmarks.md, "No step waits for the device"). DJL makes
 * one for each operation with a Java number ({@code mul(0.5f)}, {@code gte(p)}, {@code add(1f)}), over a direct buffer:
 * on the CPU the JVM's count of direct buffers shows it. With the dropout mask made by {@code gte(p)} and
 * {@code mul(1 / (1 − p))}, this test counts 2 per step and fails.
 */
class StepCopiesTest {
    private static final int K = 2;
    private static final int BATCH = 4;
    private static final int STEPS = 18; // crosses a chunk of draws (16 steps)
    private static final float[] MU = {0.1f, -2.5f, 2.2f, -2.0f, -1.3f, 0.6f};

    @Test
    void aStepOfEveryStructureDecoderAndLossMakesNoArrayFromJavaMemory() throws InterruptedException {
        List<ModelSpec> specs = new ArrayList<>();
        long[][] fusion = {{8, 8, 8}, {8, 8}};
        for (Structure s : List.of(Structure.HIERARCHICAL, Structure.FLAT, Structure.CROSS)) {
            specs.add(spec(s, fusion, DecoderKind.JOINT, LossKind.UNCERTAINTY));
        }
        specs.add(spec(Structure.OFFICIAL_ATTENTION, new long[][] {{8, 8, 8}}, DecoderKind.SEPARATE, LossKind.FIXED));
        specs.add(spec(Structure.UNIMODAL, new long[][] {{8}}, DecoderKind.SEPARATE, LossKind.FIXED));
        for (DecoderKind d : List.of(DecoderKind.MAPPING, DecoderKind.GATED)) {
            specs.add(spec(Structure.HIERARCHICAL, fusion, d, LossKind.UNCERTAINTY));
        }
        String old = System.getProperty(StackedAdam.KERNEL_PROPERTY);
        System.setProperty(StackedAdam.KERNEL_PROPERTY, StackedAdam.FLAT);
        try {
            for (ModelSpec spec : specs) {
                String what = spec.structure() + "/" + spec.decoder() + "/" + spec.loss();
                long made = directBuffersMadeByTraining(spec);
                assertEquals(0, made, what + ": direct buffers made by " + STEPS + " steps (each a host-to-device copy on a GPU)");
            }
        } finally {
            if (old == null) System.clearProperty(StackedAdam.KERNEL_PROPERTY);
            else System.setProperty(StackedAdam.KERNEL_PROPERTY, old);
        }
    }

    /** Direct buffers alive after {@link #STEPS} steps minus before them (a warm-up step first). */
    private static long directBuffersMadeByTraining(ModelSpec spec) throws InterruptedException {
        try (NDManager nm = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            List<MerModel> models = new ArrayList<>();
            for (int i = 0; i < K; i++) {
                Engine.getInstance().setRandomSeed(i + 1);
                MerModel m = Models.build(spec);
                m.setInitializer(new NormalInitializer(0.1f), ai.djl.nn.Parameter.Type.WEIGHT);
                m.initialize(nm, DataType.FLOAT32, m.inputShapes(1));
                models.add(m);
            }
            StackedModel stack = StackedModel.of(spec, models, nm);
            StackedAdam adam = new StackedAdam(stack, 1e-3f, 1e-5f, nm);
            assertTrue(stack.flatGroups().size() > 0, "the GPU's flat update");
            NDList inputs = new NDList();
            for (Shape s : models.get(0).inputShapes(1)) inputs.add(nm.randomNormal(new Shape(K, BATCH, s.get(1))));
            NDArray classes = nm.create(new long[] {0, 1, 2, 3, 4, 5, 0, 1}).reshape(K, BATCH);
            NDArray valence = nm.randomNormal(new Shape(K, BATCH));
            NDArray mask = nm.ones(new Shape(K, BATCH));
            NDArray count = nm.full(new Shape(K), BATCH);
            NDArray weight = nm.ones(new Shape(K));
            long[] seeds = {11, 12};
            int[] epochs = {1, 1};
            boolean[] all = {true, true};
            try (DropoutStreams masks = new DropoutStreams(Engine.getInstance(), nm, DropoutStreams.GPU_CHUNK, BATCH,
                    stack.dropoutWidth())) {
                step(stack, adam, masks, seeds, epochs, all, 0, inputs, classes, valence, mask, count, weight);
                System.gc();
                Thread.sleep(50); // the cleaners of collected buffers run: the count below is of live ones
                long before = directBufferCount();
                for (int b = 1; b <= STEPS; b++) {
                    step(stack, adam, masks, seeds, epochs, all, b, inputs, classes, valence, mask, count, weight);
                }
                long made = directBufferCount() - before;
                stack.close();
                return made;
            }
        }
    }

    /** What {@code BatchedTrainer.trainEpoch} does per step. */
    private static void step(StackedModel stack, StackedAdam adam, DropoutStreams masks, long[] seeds, int[] epochs,
                             boolean[] all, int b, NDList inputs, NDArray classes, NDArray valence, NDArray mask,
                             NDArray count, NDArray weight) {
        try (NDScope scope = new NDScope()) {
            NDArray uniforms = masks.step(seeds, epochs, all, all, b);
            try (Autograd rec = Autograd.record()) {
                StackedModel.Output out = stack.forward(inputs, uniforms);
                NDArray perModel = stack.losses(out, classes, valence, mask, count, 1f, 1f);
                rec.backward(perModel.mul(weight).sum());
            }
            adam.step(all);
            scope.suppressNotUsedWarning();
        }
    }

    private static ModelSpec spec(Structure s, long[][] groups, DecoderKind d, LossKind l) {
        return new ModelSpec(s, groups, d, l, 8, 16, 0.3f, d == DecoderKind.SEPARATE ? null : MU, false);
    }

    private static long directBufferCount() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) return pool.getCount();
        }
        throw new IllegalStateException("no direct buffer pool");
    }
}
