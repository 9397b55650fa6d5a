package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic and comparisons with a constant, the constant made by libtorch on the array's own device. Not DJL's
 * {@code mul(c)}, {@code add(c)}, {@code gte(c)}, ... with a Java number, which build the constant as a 0-d tensor
 * over a Java direct buffer ({@code from_blob}) and close it as soon as the operation returns. That costs twice:
 * <ul>
 *   <li>autograd may keep that tensor for the backward ({@code MulBackward0} saves the other factor). Once the
 *   array is closed the buffer can be collected, and a GC between the forward and the backward frees the memory
 *   the backward reads: the gradient then took a stray value (freed malloc memory; the allocator's free-list
 *   pointer), in some runs only, as often as the heap was small ({@code ScaledFactorLifetimeTest});</li>
 *   <li>on a GPU the constant is copied from Java memory, a synchronous host-to-device copy: the step waits for the
 *   device there.</li>
 * </ul>
 * {@code full} fills the scalar in libtorch's own memory on the device, which a saved tensor keeps alive. Same
 * value, same kernel: the same numbers as DJL's calls when those read the right value.
 */
final class DeviceScalars {

    private DeviceScalars() {}

    /** {@code x · c}. */
    static NDArray scaled(NDArray x, float c) {
        try (NDArray factor = scalar(x, c)) {
            return x.mul(factor);
        }
    }

    /** {@code 1 − x}; bit for bit {@code x.neg().add(1f)} (IEEE: 1 − x = 1 + (−x)). */
    static NDArray oneMinus(NDArray x) {
        try (NDArray one = scalar(x, 1f)) {
            return one.sub(x);
        }
    }

    /** {@code x ≥ c}, elementwise (a boolean array). */
    static NDArray atLeast(NDArray x, float c) {
        try (NDArray bound = scalar(x, c)) {
            return x.gte(bound);
        }
    }

    private static NDArray scalar(NDArray like, float c) {
        return like.getManager().full(new Shape(), c, like.getDataType(), like.getDevice());
    }
}
