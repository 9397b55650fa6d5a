package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Each model's dropout uniforms come from its own keyed stream: the same whatever shares the stack, drawn in Java
 * (the CPU default), by libtorch per step (C = 1) or in chunks of C steps (the GPU default), and chunk c's first
 * batch is libtorch's per-step draw of that batch.
 */
class DropoutStreamsTest {
    private static final int B = 4;
    private static final int W = 7;

    /** Model i's (B, W) uniforms of {@code batch}, from a stack of the given seeds, all live, epoch 3; libtorch's draws. */
    private static float[] uniforms(int chunk, long[] seeds, int model, int batch) {
        return uniforms(false, chunk, seeds, model, batch);
    }

    private static float[] uniforms(boolean javaDraws, int chunk, long[] seeds, int model, int batch) {
        Engine engine = Engine.getInstance();
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
             DropoutStreams d = new DropoutStreams(engine, m, javaDraws, chunk, B, W)) {
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

    /** Java's draws: model i's values are those of {@code new SplittableRandom(key)}, whatever shares the stack. */
    @Test
    void javaDrawsAreEachModelsOwnSplittableRandom() {
        long[] seeds = {11, 22, 33};
        for (int b : new int[] {0, 5}) {
            SplittableRandom r = new SplittableRandom(DropoutStreams.key(22, 3, b));
            float[] expected = new float[B * W];
            for (int j = 0; j < expected.length; j++) expected[j] = (r.nextLong() >>> 40) * 0x1.0p-24f;
            float[] got = uniforms(true, 1, seeds, 1, b);
            assertArrayEquals(expected, got, 0f);
            assertArrayEquals(got, uniforms(true, 1, new long[] {22, 44}, 0, b), 0f, "stack-independent");
            for (float u : got) assertTrue(u >= 0f && u < 1f, "uniform in [0, 1): " + u);
        }
        // a model without rows in the batch gets zeros; Java's draws come per step only
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
             DropoutStreams d = new DropoutStreams(Engine.getInstance(), m, true, 1, B, W)) {
            boolean[] stepping = {false, true};
            NDArray u = d.step(new long[] {1, 2}, new int[] {1, 1}, new boolean[] {true, true}, stepping, 0);
            assertEquals(0f, u.get(0).abs().sum().getFloat(), 0f);
            assertFalse(u.get(1).abs().sum().getFloat() == 0f);
        }
        assertThrows(IllegalArgumentException.class, () -> new DropoutStreams(Engine.getInstance(), null, true, 4, B, W));
    }

    @Test
    void theSchemeIsJavasOnTheCpuAndLibtorchsOnAGpuUnlessSet() {
        String before = System.getProperty(DropoutStreams.DRAWS_PROPERTY);
        try {
            System.clearProperty(DropoutStreams.DRAWS_PROPERTY);
            assertTrue(DropoutStreams.javaDraws(Device.cpu()));
            assertFalse(DropoutStreams.javaDraws(Device.gpu()));
            assertEquals("java", DropoutStreams.scheme(Device.cpu()));
            assertEquals("libtorch, chunks of " + DropoutStreams.GPU_CHUNK, DropoutStreams.scheme(Device.gpu()));
            System.setProperty(DropoutStreams.DRAWS_PROPERTY, "libtorch");
            assertFalse(DropoutStreams.javaDraws(Device.cpu()));
            assertEquals("libtorch, chunks of 1", DropoutStreams.scheme(Device.cpu()));
            System.setProperty(DropoutStreams.DRAWS_PROPERTY, "java");
            assertFalse(DropoutStreams.javaDraws(Device.gpu()), "on a GPU the draws stay on the device");
            System.setProperty(DropoutStreams.DRAWS_PROPERTY, "numpy");
            assertThrows(IllegalArgumentException.class, () -> DropoutStreams.javaDraws(Device.cpu()));
        } finally {
            if (before == null) System.clearProperty(DropoutStreams.DRAWS_PROPERTY);
            else System.setProperty(DropoutStreams.DRAWS_PROPERTY, before);
        }
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
