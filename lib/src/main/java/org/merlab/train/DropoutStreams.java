package org.merlab.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * The dropout uniforms of a stack, step by step: (K, B, W) per step, model i's from its own stream, so that a
 * model's masks do not depend on which models share its stack, on its place in it, or on K.
 *
 * <p>A model's stream is keyed by (its dropout seed, its epoch, the batch): {@link #key}. Two ways to draw from it
 * ({@value #DRAWS_PROPERTY}):
 * <ul>
 *   <li>{@value #JAVA} (the CPU default): model i's uniforms of a batch are the first B·W values
 *   {@code (nextLong() >>> 40) · 2⁻²⁴} of {@code new SplittableRandom(key)}, computed here, straight into the
 *   step's array. For a 15-model attention stack (B = 32, W = 1,536) libtorch's CPU generator (a Mersenne twister,
 *   one element at a time, on one thread, plus a seeding call per model) took 3.8 ms a step; this takes 1.0–1.2 ms
 *   (docs/benchmarks.md, "Dropout drawn in Java").</li>
 *   <li>{@value #LIBTORCH} (the GPU default): libtorch's global generator is seeded with the key and draws the
 *   model's uniforms on the device. Seeding and drawing are two libtorch calls per model, which on a GPU cost a
 *   kernel launch and a JNI crossing each, whatever the size of the draw: at K = 375 (a layer sweep) they were most
 *   of a step. So these draws come in chunks of C steps: at the first batch b of a chunk each model's generator is
 *   seeded with the key of b and draws (C, B, W) at once; the C steps then read their slice of the stacked chunk
 *   (one call per step). C = 1 is the per-step scheme exactly. Chunks start again at every epoch, and a chunk is
 *   always drawn whole (C rows, even past the epoch's last batch): CUDA's generator gives an element a value that
 *   depends on the size of the draw, so the size must not depend on the stack. C ({@value #CHUNK_PROPERTY}):
 *   {@value #GPU_CHUNK} on a GPU, 1 on the CPU.</li>
 * </ul>
 * The masks differ between the two, and for libtorch's with C, so the scheme ({@link #scheme}) is part of what makes a
 * run's numbers: it is fixed by the properties and the device, never by memory or K, and results record it.
 */
final class DropoutStreams implements AutoCloseable {
    /** Steps per draw: a number, or {@code auto} (the default: 1 on the CPU, {@value #GPU_CHUNK} on a GPU). */
    static final String CHUNK_PROPERTY = "merlab.dropout.chunk";
    static final int GPU_CHUNK = 16;
    /** Who draws: {@value #JAVA} or {@value #LIBTORCH} (default: java on the CPU, libtorch on a GPU). */
    static final String DRAWS_PROPERTY = "merlab.dropout.draws";
    static final String JAVA = "java";
    static final String LIBTORCH = "libtorch";

    private final Engine engine;
    private final NDManager manager;
    private final boolean javaDraws;
    private final int chunk;
    private float[] row; // one model's (B, W) Java draw
    private final Shape stepShape;
    private NDManager chunkManager;
    private NDArray current;
    private int currentStart = -1;

    /**
     * @param manager where the draws live (a chunk's arrays are closed when the next chunk is drawn, or on close)
     * @param batchSize B
     * @param width W: dropout values per sample of one forward
     */
    DropoutStreams(Engine engine, NDManager manager, int chunk, int batchSize, int width) {
        this(engine, manager, false, chunk, batchSize, width);
    }

    /**
     * @param javaDraws draw here ({@value #JAVA}; {@code chunk} must then be 1) rather than with libtorch's generator
     */
    DropoutStreams(Engine engine, NDManager manager, boolean javaDraws, int chunk, int batchSize, int width) {
        if (chunk < 1) throw new IllegalArgumentException("dropout chunk must be ≥ 1, got " + chunk);
        if (javaDraws && chunk != 1) throw new IllegalArgumentException("Java draws come per step, not in chunks of " + chunk);
        this.engine = engine;
        this.manager = manager;
        this.javaDraws = javaDraws;
        this.chunk = chunk;
        this.stepShape = new Shape(batchSize, width);
    }

    /** The streams of a stack on {@code device}, drawn as {@link #scheme} says. */
    static DropoutStreams of(Engine engine, NDManager manager, Device device, int batchSize, int width) {
        return new DropoutStreams(engine, manager, javaDraws(device), stepsPerDraw(device), batchSize, width);
    }

    /** Steps one draw covers on {@code device}: 1 for Java's draws, else libtorch's chunk C. */
    static int stepsPerDraw(Device device) {
        return javaDraws(device) ? 1 : chunk(device);
    }

    /**
     * Whether the draws on {@code device} are Java's ({@value #DRAWS_PROPERTY}): by default on the CPU. On a GPU the
     * draws stay on the device (a copy from Java's memory would make every step wait for the queued kernels), so
     * {@value #JAVA} there means the GPU's default, as {@code -Dmerlab.adam=java} does.
     */
    static boolean javaDraws(Device device) {
        String prop = System.getProperty(DRAWS_PROPERTY, "").trim();
        if (!prop.isEmpty() && !prop.equals(JAVA) && !prop.equals(LIBTORCH)) {
            throw new IllegalArgumentException("-D" + DRAWS_PROPERTY + "=" + prop + ": use java or libtorch");
        }
        return !device.isGpu() && !prop.equals(LIBTORCH);
    }

    /** The dropout scheme on {@code device}, as results and checkpoints record it: {@code java} or {@code libtorch, chunks of C}. */
    static String scheme(Device device) {
        return javaDraws(device) ? JAVA : LIBTORCH + ", chunks of " + chunk(device);
    }

    /** C for this device: the property if set to a number, else 1 on the CPU and {@value #GPU_CHUNK} on a GPU. */
    static int chunk(Device device) {
        String prop = System.getProperty(CHUNK_PROPERTY, "auto").trim();
        if (prop.isEmpty() || prop.equalsIgnoreCase("auto")) return device.isGpu() ? GPU_CHUNK : 1;
        try {
            int c = Integer.parseInt(prop);
            if (c >= 1) return c;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + CHUNK_PROPERTY + "=" + prop + ": expected a number ≥ 1 or auto");
    }

    /** Bytes one model's chunk holds: what K's memory estimate adds per model. */
    static long bytesPerModel(int chunk, int batchSize, int width) {
        return 4L * chunk * batchSize * width;
    }

    /** The key of model (seed, epoch, batch): the seed libtorch's generator gets before the model's draw. */
    static int key(long dropoutSeed, int epoch, int batch) {
        return (int) new SplittableRandom(dropoutSeed + epoch * 1_000_003L + batch).nextLong();
    }

    /**
     * The (K, B, W) uniforms of batch {@code batch} of the current epoch. {@code seeds[i]} and {@code epochs[i]}: model
     * i's dropout seed and the epoch it is in; {@code live[i]}: model i trains in this epoch; {@code stepping[i]}: it has
     * rows in this batch. A model that does not train gets zeros; per-step draws (C = 1) also skip a model without rows
     * in the batch, as before chunks existed. The array belongs to the caller's scope for C = 1 and to this object
     * (until the next chunk) otherwise.
     */
    NDArray step(long[] seeds, int[] epochs, boolean[] live, boolean[] stepping, int batch) {
        if (javaDraws) return javaDraw(seeds, epochs, stepping, batch);
        if (chunk == 1) return draw(seeds, epochs, stepping, batch, stepShape);
        int start = batch - batch % chunk;
        if (start != currentStart) {
            closeChunk();
            chunkManager = manager.newSubManager();
            try (NDScope scope = new NDScope()) {
                current = draw(seeds, epochs, live, start, new Shape(chunk).addAll(stepShape));
                NDScope.unregister(current);
                current.attach(chunkManager);
                scope.suppressNotUsedWarning();
            }
            currentStart = start;
        }
        return current.get(":, " + (batch - start));
    }

    /** Per model: seed the generator with its key, draw {@code shape}; stacked on a leading model axis. */
    private NDArray draw(long[] seeds, int[] epochs, boolean[] live, int batch, Shape shape) {
        NDList parts = new NDList(seeds.length);
        for (int i = 0; i < seeds.length; i++) {
            if (!live[i]) {
                parts.add(manager.zeros(shape));
                continue;
            }
            synchronized (GlobalGenerator.LOCK) {
                engine.setRandomSeed(key(seeds[i], epochs[i], batch));
                parts.add(manager.randomUniform(0f, 1f, shape));
            }
        }
        return NDArrays.stack(parts, 0);
    }

    /** Per model its (B, W) values of {@link #uniforms}, written into one new (K, B, W) array; zeros for a model not stepping. */
    private NDArray javaDraw(long[] seeds, int[] epochs, boolean[] stepping, int batch) {
        int n = (int) stepShape.size();
        if (row == null) row = new float[n];
        NDArray out = manager.create(new Shape(seeds.length).addAll(stepShape), ai.djl.ndarray.types.DataType.FLOAT32);
        java.nio.FloatBuffer view = CpuAdamKernel.floats(out); // the array's own memory: writes land in it
        for (int i = 0; i < seeds.length; i++) {
            if (stepping[i]) uniforms(key(seeds[i], epochs[i], batch), row);
            else java.util.Arrays.fill(row, 0f);
            view.put(i * n, row, 0, n);
        }
        return out;
    }

    /**
     * Fills {@code out} with the first {@code out.length} values {@code (nextLong() >>> 40) · 2⁻²⁴} of
     * {@code new SplittableRandom(key)}: uniform in [0, 1) with 24 bits, as a float holds them (about 1 ns a value).
     */
    static void uniforms(long key, float[] out) {
        SplittableRandom r = new SplittableRandom(key);
        for (int j = 0; j < out.length; j++) out[j] = (r.nextLong() >>> 40) * 0x1.0p-24f;
    }

    private void closeChunk() {
        if (chunkManager != null) chunkManager.close();
        chunkManager = null;
        current = null;
        currentStart = -1;
    }

    @Override
    public void close() {
        closeChunk();
    }
}
