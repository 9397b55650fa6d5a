package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Each model's dropout uniforms come from its own keyed stream: the same whatever shares the stack, per step
 * (C = 1, the CPU default) or in chunks of C steps (the GPU default), and chunk c's first batch is the per-step
 * draw of that batch.
 */
class DropoutStreamsTest {
    private static final int B = 4;
    private static final int W = 7;

    /** Model i's (B, W) uniforms of {@code batch}, from a stack of the given seeds, all live, epoch 3. */
    private static float[] uniforms(int chunk, long[] seeds, int model, int batch) {
        Engine engine = Engine.getInstance();
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
             DropoutStreams d = new DropoutStreams(engine, m, chunk, B, W)) {
            int[] epochs = new int[seeds.length];
            Arrays.fill(epochs, 3);
            boolean[] live = new boolean[seeds.length];
            Arrays.fill(live, true);
            NDArray u = null;
            for (int b = 0; b <= batch; b++) u = d.step(seeds, epochs, live, live, b); // the steps before it, as in an epoch
            assertEquals(new Shape(seeds.length, B, W), u.getShape());
            return u.get(model).toFloatArray();
        }
    }

    /** libtorch's own draw for a key: the reference both schemes are defined by. */
    private static float[] direct(long seed, int epoch, int batch, Shape shape) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Engine.getInstance().setRandomSeed(DropoutStreams.key(seed, epoch, batch));
            return m.randomUniform(0f, 1f, shape).toFloatArray();
        }
    }

    @Test
    void perStepDrawsAreEachModelsOwnKeyedDraw() {
        long[] seeds = {11, 22, 33};
        for (int b : new int[] {0, 5}) {
            assertArrayEquals(direct(22, 3, b, new Shape(B, W)), uniforms(1, seeds, 1, b), 0f);
            assertArrayEquals(uniforms(1, seeds, 1, b), uniforms(1, new long[] {22, 44}, 0, b), 0f, "stack-independent");
        }
    }

    @Test
    void chunkedDrawsAreIndependentOfTheStackAndStartFromThePerStepDraw() {
        long[] seeds = {11, 22, 33};
        // batch 6 of a chunk of 4 is row 2 of the draw keyed by the chunk's first batch, 4
        float[] chunk = direct(33, 3, 4, new Shape(4, B, W));
        assertArrayEquals(Arrays.copyOfRange(chunk, 2 * B * W, 3 * B * W), uniforms(4, seeds, 2, 6), 0f);
        assertArrayEquals(uniforms(4, seeds, 2, 6), uniforms(4, new long[] {33, 11}, 0, 6), 0f, "stack-independent");
        // a chunk's first batch is the per-step draw of that batch (libtorch's CPU generator draws in order)
        assertArrayEquals(uniforms(1, seeds, 0, 4), uniforms(4, seeds, 0, 4), 0f);
        assertFalse(Arrays.equals(uniforms(1, seeds, 0, 5), uniforms(4, seeds, 0, 5)), "later batches differ");
    }

    @Test
    void deadModelsGetZerosAndTheChunkIsChosenByDeviceOrProperty() {
        Engine engine = Engine.getInstance();
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
             DropoutStreams d = new DropoutStreams(engine, m, 4, B, W)) {
            boolean[] live = {true, false};
            NDArray u = d.step(new long[] {1, 2}, new int[] {1, 1}, live, live, 0);
            assertEquals(0f, u.get(1).abs().sum().getFloat(), 0f);
            assertFalse(u.get(0).abs().sum().getFloat() == 0f);
        }
        String before = System.getProperty(DropoutStreams.CHUNK_PROPERTY);
        try {
            System.clearProperty(DropoutStreams.CHUNK_PROPERTY);
            assertEquals(1, DropoutStreams.chunk(Device.cpu()));
            assertEquals(DropoutStreams.GPU_CHUNK, DropoutStreams.chunk(Device.gpu()));
            System.setProperty(DropoutStreams.CHUNK_PROPERTY, "8");
            assertEquals(8, DropoutStreams.chunk(Device.cpu()));
            System.setProperty(DropoutStreams.CHUNK_PROPERTY, "0");
            assertThrows(IllegalArgumentException.class, () -> DropoutStreams.chunk(Device.cpu()));
        } finally {
            if (before == null) System.clearProperty(DropoutStreams.CHUNK_PROPERTY);
            else System.setProperty(DropoutStreams.CHUNK_PROPERTY, before);
        }
    }
}
