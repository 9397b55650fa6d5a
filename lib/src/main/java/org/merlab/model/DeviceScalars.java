package org.merlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant whose constant is made on the array's own device. DJL's {@code add(1f)}
 * (like {@code mul}, {@code sub}, ... with a Java number) builds the constant in Java memory and copies it
 * to the device: on a GPU a synchronous host-to-device copy, so the step waits for the device at that
 * point. {@code full} fills the scalar on the device instead.
 */
final class DeviceScalars {

    private DeviceScalars() {}

    /** {@code 1 − x}; bit for bit {@code x.neg().add(1f)} (IEEE: 1 − x = 1 + (−x)). */
    static NDArray oneMinus(NDArray x) {
        try (NDArray one = x.getManager().full(new Shape(), 1f, x.getDataType(), x.getDevice())) {
            return one.sub(x);
        }
    }
}
