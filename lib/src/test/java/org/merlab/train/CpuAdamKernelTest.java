package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Java Adam update against libtorch's (the update DJL's {@code Adam} runs): the same moments bit for bit, the
 * same weights except where libtorch's square root is off by its last bit; the gradient is only read; elements
 * outside the runs (models that do not step) keep their state; the result does not depend on the thread count; the
 * two paths (vector lanes, scalar tiles) give the same bits.
 */
class CpuAdamKernelTest {
    private static final int N = 3 * CpuAdamKernel.TILE + 37; // several tiles and a ragged tail
    private static final float LR = 1.3e-3f;
    private static final float WD = 1e-4f;

    /** w, g, m, v of one parameter: weights ~0.05, gradients ~1e-3, moments of an update in progress. */
    private static float[][] state(long seed) {
        Random r = new Random(seed);
        float[][] s = new float[4][N];
        for (int i = 0; i < N; i++) {
            s[0][i] = (float) r.nextGaussian() * 0.05f;
            s[1][i] = (float) r.nextGaussian() * 1e-3f;
            s[2][i] = (float) r.nextGaussian() * 1e-4f;
            s[3][i] = (float) Math.abs(r.nextGaussian()) * 1e-7f;
        }
        s[1][5] = -0.0f; // a zero gradient of either sign
        s[1][6] = 0.0f;
        return s;
    }

    private static NDArray[] arrays(NDManager nm, float[][] s) {
        NDArray[] a = new NDArray[4];
        for (int j = 0; j < 4; j++) a[j] = nm.create(s[j]);
        return a;
    }

    private static float[][] read(NDArray[] a) {
        float[][] out = new float[4][];
        for (int j = 0; j < 4; j++) out[j] = a[j].toFloatArray();
        return out;
    }

    private static float[][] java(float[][] s, int threads, int updatedUpTo) {
        return java(s, threads, new CpuAdamKernel(StackedAdam.BETA1, StackedAdam.BETA2, StackedAdam.EPSILON),
                new int[] {0, updatedUpTo}, new float[] {LR}, new float[] {WD});
    }

    /** {@code kernel} over runs {@code [bounds[r], bounds[r + 1])} with step size {@code lr[r]} and weight decay {@code wd[r]}. */
    private static float[][] java(float[][] s, int threads, CpuAdamKernel kernel, int[] bounds, float[] lr, float[] wd) {
        try (NDManager nm = NDManager.newBaseManager(Device.cpu())) {
            NDArray[] a = arrays(nm, s);
            var w = CpuAdamKernel.bytes(a[0]);
            var g = CpuAdamKernel.bytes(a[1]);
            var m = CpuAdamKernel.bytes(a[2]);
            var v = CpuAdamKernel.bytes(a[3]);
            List<CpuAdamKernel.Run> runs = new java.util.ArrayList<>();
            for (int r = 0; r + 1 < bounds.length; r++) runs.add(new CpuAdamKernel.Run(w, g, m, v, bounds[r], bounds[r + 1], lr[r], wd[r]));
            kernel.apply(runs, threads);
            return read(a);
        }
    }

    @Test
    void vectorLanesGiveTheScalarTilesBits() {
        // the pom starts the tests as the launcher starts Java, with the vector module: the default kernel has lanes
        assertTrue(CpuAdamKernel.lanesAvailable(), "jdk.incubator.vector not loaded: surefire's argLine lacks --add-modules");
        CpuAdamKernel lanes = new CpuAdamKernel(StackedAdam.BETA1, StackedAdam.BETA2, StackedAdam.EPSILON, true);
        CpuAdamKernel tiles = new CpuAdamKernel(StackedAdam.BETA1, StackedAdam.BETA2, StackedAdam.EPSILON, false);
        assertTrue(lanes.scheme().startsWith("vector lanes of "), lanes.scheme());
        assertEquals("scalar tiles", tiles.scheme());
        assertEquals(lanes.scheme(), new CpuAdamKernel(StackedAdam.BETA1, StackedAdam.BETA2, StackedAdam.EPSILON).scheme());
        float[][] s = state(4);
        // runs that start and end off a vector's boundary, two models' step sizes, one without weight decay
        int[] bounds = {3, CpuAdamKernel.TILE + 5, N - 7};
        float[] lr = {LR, 0.7f * LR};
        float[] wd = {WD, 0f};
        float[][] a = java(s, 2, lanes, bounds, lr, wd);
        float[][] b = java(s, 1, tiles, bounds, lr, wd);
        int stepped = 0;
        for (int j = 0; j < 4; j++) {
            for (int i = 0; i < N; i++) {
                assertEquals(Float.floatToRawIntBits(b[j][i]), Float.floatToRawIntBits(a[j][i]), "array " + j + ", element " + i);
                if (j == 0 && a[0][i] != s[0][i]) stepped++;
            }
        }
        assertTrue(stepped > 0.99 * (N - 10), "weights stepped: " + stepped);
    }

    @Test
    void aWrongLanesSettingIsAnError() {
        String old = System.getProperty(CpuAdamKernel.LANES_PROPERTY);
        try {
            System.setProperty(CpuAdamKernel.LANES_PROPERTY, "yes");
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new CpuAdamKernel(StackedAdam.BETA1, StackedAdam.BETA2, StackedAdam.EPSILON));
            assertEquals("-Dmerlab.adam.lanes=yes: use true or false", e.getMessage());
            System.setProperty(CpuAdamKernel.LANES_PROPERTY, "false");
            assertEquals("scalar tiles", new CpuAdamKernel(StackedAdam.BETA1, StackedAdam.BETA2, StackedAdam.EPSILON).scheme());
        } finally {
            if (old == null) System.clearProperty(CpuAdamKernel.LANES_PROPERTY);
            else System.setProperty(CpuAdamKernel.LANES_PROPERTY, old);
        }
    }

    @Test
    void matchesLibtorchsUpdate() {
        float[][] s = state(1);
        float[][] ours = java(s, 2, N);
        float[][] theirs;
        float[] theirSqrt;
        try (NDManager nm = NDManager.newBaseManager(Device.cpu())) {
            NDArray[] a = arrays(nm, s);
            a[0].getNDArrayInternal().adamUpdate(new NDList(a), new NDList(a[1]), 0f, LR, WD, 1f, -1f,
                    StackedAdam.BETA1, StackedAdam.BETA2, StackedAdam.EPSILON, false, false);
            theirs = read(a);
            theirSqrt = a[3].sqrt().toFloatArray();
        }
        assertArrayEquals(theirs[2], ours[2], 0f, "first moments");
        assertArrayEquals(theirs[3], ours[3], 0f, "second moments");
        int sameSqrt = 0;
        int stepped = 0;
        for (int i = 0; i < N; i++) {
            assertEquals(Float.floatToIntBits(s[1][i]), Float.floatToIntBits(ours[1][i]), "gradient only read, " + i);
            boolean sqrtAgrees = theirSqrt[i] == (float) Math.sqrt(ours[3][i]);
            if (sqrtAgrees) {
                sameSqrt++;
                assertEquals(theirs[0][i], ours[0][i], 0f, "weight " + i);
            } else {
                // a last-bit difference in √v moves the step by about its own last bit, then the weight's rounding
                float step = ours[2][i] * LR / ((float) Math.sqrt(ours[3][i]) + StackedAdam.EPSILON);
                assertTrue(Math.abs(theirs[0][i] - ours[0][i]) <= Math.ulp(ours[0][i]) + 2 * Math.ulp(step), "weight " + i);
            }
            if (ours[0][i] != s[0][i]) stepped++;
        }
        assertTrue(stepped > 0.99 * N, "weights stepped: " + stepped);
        assertTrue(sameSqrt > N / 2, "most square roots agree: " + sameSqrt + " of " + N);
    }

    @Test
    void elementsOutsideTheRunsKeepTheirState() {
        float[][] s = state(2);
        int half = 2 * CpuAdamKernel.TILE + 11;
        float[][] out = java(s, 2, half);
        for (int i = half; i < N; i++) {
            assertEquals(s[0][i], out[0][i], 0f);
            assertEquals(s[2][i], out[2][i], 0f);
            assertEquals(s[3][i], out[3][i], 0f);
            assertEquals(s[1][i], out[1][i], 0f);
        }
        for (int i = 0; i < half; i++) assertTrue(out[2][i] != s[2][i] || s[1][i] == 0f, "moment " + i + " stepped");
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        float[][] s = state(3);
        float[][] one = java(s, 1, N);
        float[][] three = java(s, 3, N);
        for (int j = 0; j < 4; j++) assertArrayEquals(one[j], three[j], 0f);
    }
}
