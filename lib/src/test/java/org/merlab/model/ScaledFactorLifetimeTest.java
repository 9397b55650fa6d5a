package org.merlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.merlab.train.ComputeDevice;

/**
 * A loss scaled by a constant keeps its gradient when a GC runs between the forward and the backward.
 *
 * <p>DJL's {@code x.mul(0.5f)} multiplies by a 0-d tensor over a Java direct buffer and closes it when {@code mul}
 * returns, while autograd keeps that tensor for the backward. A GC in between frees the buffer, and the backward reads
 * freed memory: the gradient takes a stray value. This made the engines' bit-identity tests fail in about one run in
 * three with a small heap. {@link DeviceScalars#scaled} keeps the factor in libtorch's memory; here a GC, and direct
 * buffers that reuse freed memory, come between the forward and the backward on purpose.
 */
class ScaledFactorLifetimeTest {

    @Test
    void aGcBetweenForwardAndBackwardLeavesTheGradientExact() throws InterruptedException {
        ComputeDevice.configure();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int trial = 0; trial < 10; trial++) {
                NDArray x = m.create(new float[] {1f, -2f, 3f});
                x.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = DeviceScalars.scaled(x, 0.5f).add(DeviceScalars.scaled(x.square(), 0.25f)).sum();
                    reuseFreedDirectMemory();
                    collector.backward(loss);
                }
                // d/dx (x/2 + x²/4) = 1/2 + x/2
                assertArrayEquals(new float[] {1f, -0.5f, 2f}, x.getGradient().toFloatArray(), 0f, "trial " + trial);
            }
        }
    }

    /** Collects unreachable direct buffers, then allocates small ones full of a stray value into the freed memory. */
    private static void reuseFreedDirectMemory() throws InterruptedException {
        List<ByteBuffer> hold = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(20); // the reference handler frees collected direct buffers
            for (int i = 0; i < 64; i++) {
                hold.add(ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putFloat(0, 1e6f));
            }
        }
    }
}
