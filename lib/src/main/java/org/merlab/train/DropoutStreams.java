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
 * <p>A model's stream is keyed by (its dropout seed, its epoch, the batch): libtorch's global generator is seeded
 * from that key and draws the model's uniforms. Seeding and drawing are two libtorch calls per model, which on a
 * GPU cost a kernel launch and a JNI crossing each, whatever the size of the draw: at K = 375 (a layer sweep) they
 * were most of a step. So the draws come in chunks of C steps: at the first batch b of a chunk each model's
 * generator is seeded with the key of b and draws (C, B, W) at once; the C steps then read their slice of the
 * stacked chunk (one call per step). C = 1 is the per-step scheme exactly. Chunks start again at every epoch, and a
 * chunk is always drawn whole (C rows, even past the epoch's last batch): CUDA's generator gives an element a value
 * that depends on the size of the draw, so the size must not depend on the stack.
 *
 * <p>C ({@value #CHUNK_PROPERTY}): 1 on the CPU, where the calls cost little next to the arithmetic and the
 * committed MER-SIM figures were made with per-step draws; {@value #GPU_CHUNK} on a GPU. The masks differ with C
 * (for C > 1, every batch of a chunk but the first), so C is part of what makes a run's numbers; it is fixed by
 * the property and the device, never by memory or K.
 */
final class DropoutStreams implements AutoCloseable {
    /** Steps per draw: a number, or {@code auto} (the default: 1 on the CPU, {@value #GPU_CHUNK} on a GPU). */
    static final String CHUNK_PROPERTY = "merlab.dropout.chunk";
    static final int GPU_CHUNK = 16;

    private final Engine engine;
    private final NDManager manager;
    private final int chunk;
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
        if (chunk < 1) throw new IllegalArgumentException("dropout chunk must be ≥ 1, got " + chunk);
        this.engine = engine;
        this.manager = manager;
        this.chunk = chunk;
        this.stepShape = new Shape(batchSize, width);
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
