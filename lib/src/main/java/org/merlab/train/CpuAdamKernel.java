package org.merlab.train;

import ai.djl.ndarray.NDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Adam's elementwise update of stacked parameters on the CPU, in Java, in one pass over memory.
 *
 * <p>Why: the moments of a stack of K models do not fit in cache, so the update is bound by memory traffic.
 * libtorch's update ({@code adamUpdate}, what DJL's {@code Adam} calls) makes about fifteen passes over each chunk
 * (a clone of the gradient, in-place moment updates, four temporaries). Here every element is read once and
 * written once. Two paths do it, with the same bits:
 * <ul>
 *   <li><b>vector lanes</b> ({@link AdamLanes}, the default where {@code jdk.incubator.vector} is loaded): one
 *       streaming pass straight over the arrays' native memory;
 *   <li><b>scalar tiles</b> (without the module, or {@code -D}{@value #LANES_PROPERTY}{@code =false}): weight,
 *       gradient and both moments come in by tiles of {@link #TILE} elements (bulk copies into per-thread scratch,
 *       which the JIT vectorises), are updated, and weight and moments go back; half the lanes' speed.
 * </ul>
 * The gradient is only read: the optimizer drops it after the step ({@code StackedModel.dropGradients}), so it needs
 * no zeroing pass.
 *
 * <p>The arithmetic is libtorch's, operation by operation: {@code g + wd·w} and the two moment updates are the fused
 * multiply-adds libtorch's vectorised kernels use (their moments are bit-identical to these), then
 * {@code w − (m·lr_t)/(√v + ε)} with each operation rounded in float. The one difference is the square root: Java's
 * is correctly rounded, libtorch's CPU kernel is not (one unit in the last place off for about one element in six),
 * so weights can differ from libtorch's update by that rounding. {@code -Dmerlab.adam=libtorch} selects libtorch's.
 *
 * <p>Threads: the caller and {@code threads − 1} helpers (libtorch's intra-op thread count, which is idle meanwhile)
 * take tiles from a shared counter. An element's update does not depend on which thread makes it, so results do
 * not depend on the thread count.
 */
final class CpuAdamKernel {
    /** Elements per tile: four 64 KB scratch arrays per thread stay in the core's L2 cache. */
    static final int TILE = 1 << 14;

    /** {@code true} (the default: vector lanes where the module is loaded) or {@code false} (scalar tiles). */
    static final String LANES_PROPERTY = "merlab.adam.lanes";

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][TILE]);
    private static ExecutorService helpers;

    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final boolean lanes;

    /** The kernel with vector lanes where this JVM can run them ({@link #lanesAvailable}) and they are not switched off. */
    CpuAdamKernel(float beta1, float beta2, float epsilon) {
        this(beta1, beta2, epsilon, lanesChosen());
    }

    /** {@code lanes}: {@link AdamLanes} (which must be {@link #lanesAvailable}), else scalar tiles. */
    CpuAdamKernel(float beta1, float beta2, float epsilon, boolean lanes) {
        if (lanes && !lanesAvailable()) throw new IllegalStateException("jdk.incubator.vector is not loaded");
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.lanes = lanes;
    }

    /**
     * Starts the lanes' warm-up ({@link LanesWarmUp}) where a kernel made now would run them; a wrong
     * {@value #LANES_PROPERTY} is left for the kernel's constructor to report.
     */
    static void warmUp() {
        try {
            if (lanesChosen()) LanesWarmUp.start();
        } catch (IllegalArgumentException e) {
            // reported when a kernel is made
        }
    }

    /**
     * The lanes' first update of a stack ran interpreted until the JIT compiled them: 0.66 s for the attention
     * config's 15 M parameters, where a compiled update takes 6 ms. A daemon thread therefore runs them on a scratch
     * tile, once per JVM, from when the CPU is chosen to train on ({@link StackedAdam#prepare}), so that they compile
     * while the training's data loads.
     */
    private static final class LanesWarmUp {
        private static final AtomicBoolean STARTED = new AtomicBoolean();

        static void start() {
            if (!STARTED.compareAndSet(false, true)) return;
            Thread t = new Thread(() -> exercise(TILE, 300), "merlab-adam-warm-up");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Whether a kernel made now runs the lanes: {@value #LANES_PROPERTY} leaves them on and this JVM can run them. */
    private static boolean lanesChosen() {
        return lanesWanted() && lanesAvailable();
    }

    /** Whether {@value #LANES_PROPERTY} leaves the lanes on; a value other than true or false is an error. */
    private static boolean lanesWanted() {
        String value = System.getProperty(LANES_PROPERTY, "true").trim();
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("-D" + LANES_PROPERTY + "=" + value + ": use true or false");
        }
        return value.equals("true");
    }

    /**
     * Whether {@link AdamLanes} can run in this JVM: {@code jdk.incubator.vector} is in the boot layer
     * ({@code --add-modules jdk.incubator.vector}) and has the JDK 17 API this code is written against (a later JDK
     * dropped {@code fromByteBuffer}; then the class fails to link, and the scalar tiles run).
     */
    static boolean lanesAvailable() {
        return LanesProbe.AVAILABLE;
    }

    private static final class LanesProbe {
        static final boolean AVAILABLE = probe();

        private static boolean probe() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
            try {
                exercise(64, 1); // whole vectors on any CPU, so the vector loads and stores link here, not in training
                return AdamLanes.lanes() > 1;
            } catch (LinkageError e) {
                return false;
            }
        }
    }

    /** {@link AdamLanes} on a scratch buffer of {@code floats} floats, {@code times} times (its numbers are thrown away). */
    private static void exercise(int floats, int times) {
        ByteBuffer b = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
        for (int i = 0; i < times; i++) AdamLanes.update(b, b, b, b, 0, floats, 0.9f, 0.999f, 1e-8f, 0f, 0f);
    }

    /** How this kernel updates, for the benchmarks' records: "vector lanes of 16 floats" or "scalar tiles". */
    String scheme() {
        return scheme(lanes);
    }

    /** {@link #scheme} of the kernel {@link #CpuAdamKernel(float, float, float)} makes now, without making one. */
    static String defaultScheme() {
        return scheme(lanesChosen());
    }

    private static String scheme(boolean lanes) {
        return lanes ? "vector lanes of " + AdamLanes.lanes() + " floats" : "scalar tiles";
    }

    /** Whether this kernel can update {@code w}: a float array in the CPU's memory that one buffer can address. */
    static boolean handles(NDArray w) {
        return !w.getDevice().isGpu() && w.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32
                && w.size() * Float.BYTES <= Integer.MAX_VALUE;
    }

    /** The native memory of a contiguous CPU array, in the CPU's byte order (a view, not a copy: writes land in the array). */
    static ByteBuffer bytes(NDArray array) {
        return array.toByteBuffer(true).order(ByteOrder.nativeOrder());
    }

    /** {@link #bytes} as floats. */
    static FloatBuffer floats(NDArray array) {
        return bytes(array).asFloatBuffer();
    }

    /**
     * A run of elements {@code [from, to)} (counted in floats) of one stacked parameter, updated with step size
     * {@code lrT} and weight decay {@code wd}; the buffers are {@link #bytes} views, and the gradient is only read.
     */
    record Run(ByteBuffer w, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to, float lrT, float wd) {}

    /** Applies every run, on {@code threads} threads. */
    void apply(List<Run> runs, int threads) {
        List<int[]> tiles = new ArrayList<>(); // (run, from, to)
        for (int r = 0; r < runs.size(); r++) {
            Run run = runs.get(r);
            for (int from = run.from; from < run.to; from += TILE) tiles.add(new int[] {r, from, Math.min(run.to, from + TILE)});
        }
        AtomicInteger next = new AtomicInteger();
        Runnable work = () -> {
            for (int t; (t = next.getAndIncrement()) < tiles.size(); ) {
                int[] tile = tiles.get(t);
                update(runs.get(tile[0]), tile[1], tile[2] - tile[1]);
            }
        };
        int extra = Math.min(threads - 1, tiles.size() - 1);
        if (extra <= 0) {
            work.run();
            return;
        }
        ExecutorService pool = helpers(threads - 1);
        List<Future<?>> joined = new ArrayList<>();
        for (int i = 0; i < extra; i++) joined.add(pool.submit(work));
        work.run();
        // wait for the helpers even when interrupted (they write into arrays the caller may free next); the step is
        // then whole, and the trainer's next interrupt check sees the flag
        boolean interrupted = false;
        for (Future<?> f : joined) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw new IllegalStateException("Adam update failed", e.getCause());
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void update(Run run, int from, int len) {
        int done = lanes ? AdamLanes.update(run.w, run.g, run.m, run.v, from, from + len, beta1, beta2, epsilon, run.lrT, run.wd)
                : from;
        if (done < from + len) { // the scalar path: all of it, or the lanes' ragged end
            updateTile(run.w.asFloatBuffer(), run.g.asFloatBuffer(), run.m.asFloatBuffer(), run.v.asFloatBuffer(),
                    done, from + len - done, run.lrT, run.wd);
        }
    }

    /** The scalar path: the tile copied into this thread's scratch, updated there, and copied back. */
    private void updateTile(FloatBuffer wb, FloatBuffer gb, FloatBuffer mb, FloatBuffer vb, int from, int len, float lr, float wd) {
        float[][] scratch = SCRATCH.get();
        float[] w = scratch[0];
        float[] g = scratch[1];
        float[] m = scratch[2];
        float[] v = scratch[3];
        gb.get(from, g, 0, len);
        wb.get(from, w, 0, len);
        mb.get(from, m, 0, len);
        vb.get(from, v, 0, len);
        final float b1 = beta1;
        final float b2 = beta2;
        final float a1 = 1 - beta1; // float arithmetic, as libtorch gets (1 - beta) from float arguments
        final float a2 = 1 - beta2;
        final float eps = epsilon;
        for (int i = 0; i < len; i++) {
            float gi = Math.fma(w[i], wd, g[i]);
            float mi = Math.fma(gi, a1, m[i] * b1);
            float vi = Math.fma(a2 * gi, gi, v[i] * b2);
            m[i] = mi;
            v[i] = vi;
            w[i] = w[i] - (mi * lr) / ((float) Math.sqrt(vi) + eps);
        }
        wb.put(from, w, 0, len);
        mb.put(from, m, 0, len);
        vb.put(from, v, 0, len);
    }

    /** The helper threads, made at the first call (libtorch's thread count is fixed for the JVM's life). */
    private static synchronized ExecutorService helpers(int count) {
        if (helpers == null) {
            AtomicInteger n = new AtomicInteger();
            helpers = Executors.newFixedThreadPool(count, r -> {
                Thread t = new Thread(r, "merlab-adam-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return helpers;
    }
}
