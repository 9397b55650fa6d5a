package org.merlab.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.Initializer;

/**
 * Small shared helpers for the blocks of this package.
 *
 * <p>Every {@link Linear} here is created with PyTorch's default {@code nn.Linear} initialisation
 * (weight and bias uniform in ±1/√fan_in), because the official MER 2023 baseline, which the
 * paper builds on, trains with those defaults. DJL's own default for a {@code WEIGHT} is a Xavier
 * Gaussian, and for a {@code BIAS} zeros. The input width is known when each block is built, so
 * the bound is fixed then. A {@code TrainingConfig} that calls {@code optInitializer(...)}
 * replaces these initialisers; leave it unset to keep the PyTorch-like start.
 */
final class Layers {

    private Layers() {}

    /** A {@code Linear(inDim → units)} with PyTorch's default initialisation. */
    static Linear linear(long inDim, long units, boolean bias) {
        Linear linear = Linear.builder().setUnits(units).optBias(bias).build();
        Initializer uniform = torchDefault(inDim);
        linear.setInitializer(uniform, "weight");
        if (bias) {
            linear.setInitializer(uniform, "bias");
        }
        return linear;
    }

    /** U(−1/√fanIn, 1/√fanIn): what {@code torch.nn.Linear.reset_parameters} draws for both arrays. */
    static Initializer torchDefault(long fanIn) {
        float bound = (float) (1.0 / Math.sqrt(fanIn));
        return (manager, shape, dataType) -> manager.randomUniform(-bound, bound, shape, dataType);
    }

    /** Initialises a Linear child for inputs of width {@code inDim} (the batch size is irrelevant). */
    static void initLinear(Linear linear, NDManager manager, DataType dataType, long batch, long inDim) {
        linear.initialize(manager, dataType, new Shape(batch, inDim));
    }

    /** The batch dimension of the first input shape, or 1 when it is unknown. */
    static long batchOf(Shape... shapes) {
        if (shapes.length == 0 || shapes[0].dimension() == 0) {
            return 1;
        }
        long b = shapes[0].get(0);
        return b > 0 ? b : 1;
    }

    /** Fails clearly when an input is not (B, expectedDim). */
    static void checkFeatureShape(String block, int index, Shape shape, long expectedDim) {
        if (shape.dimension() != 2 || shape.get(1) != expectedDim) {
            throw new IllegalArgumentException(
                    block + ": input " + index + " must have shape (B, " + expectedDim + "), got " + shape);
        }
    }

    static void checkCount(String block, int actual, int expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(
                    block + ": expected " + expected + " input arrays, got " + actual);
        }
    }

    static void checkDropout(float dropout) {
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
    }
}
