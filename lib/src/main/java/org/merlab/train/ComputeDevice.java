package org.merlab.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how training computes: the DJL device (a GPU when DJL sees one, else the CPU) and the
 * libtorch thread count.
 *
 * <p>CPU results are bit-identical only for a fixed intra-op thread count, and libtorch reads its
 * thread settings once, when the engine starts. {@link #configure()} therefore sets {@code
 * ai.djl.pytorch.num_threads} (and {@code num_interop_threads} = 1) before the engine loads, unless
 * the user set them: {@code -Dmerlab.threads=N}, else the environment's {@code MERLAB_THREADS}, else {@code
 * -Dai.djl.pytorch.num_threads=N}, default
 * {@code min(4, cores)}. {@link #threads()} reads back what libtorch actually uses.
 *
 * <p>{@code -Dmerlab.device=cpu} forces the CPU on a GPU machine. Nothing here touches the network.
 */
public final class ComputeDevice {
    /** Property naming the device: {@code cpu}, {@code gpu} (default: gpu when available). */
    public static final String DEVICE_PROPERTY = "merlab.device";
    /** Property naming the intra-op thread count (else {@code ai.djl.pytorch.num_threads}). */
    public static final String THREADS_PROPERTY = "merlab.threads";
    /** Environment variable naming the thread count when {@value #THREADS_PROPERTY} is not set. */
    public static final String THREADS_ENV = "MERLAB_THREADS";
    static final String TORCH_THREADS = "ai.djl.pytorch.num_threads";
    static final String TORCH_INTEROP = "ai.djl.pytorch.num_interop_threads";

    private static volatile boolean configured;

    private ComputeDevice() {}

    /**
     * Fixes the offline/no-telemetry switches and the thread count before DJL's engine starts.
     * Idempotent; calling it after the engine started changes nothing (the engine keeps its count).
     */
    public static synchronized void configure() {
        if (configured) return;
        setIfAbsent("OPT_OUT_TRACKING", "true");
        setIfAbsent("ai.djl.offline", "true");
        // On a machine without a usable CUDA driver DJL warns at every start; that is noise here.
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        String threads = System.getProperty(THREADS_PROPERTY);
        if (threads == null || threads.isBlank()) threads = System.getenv(THREADS_ENV); // launcher, notebooks, tests alike
        if (threads != null && !threads.isBlank()) {
            System.setProperty(TORCH_THREADS, threads.trim());
        } else {
            setIfAbsent(TORCH_THREADS, Integer.toString(Math.min(4, Runtime.getRuntime().availableProcessors())));
        }
        setIfAbsent(TORCH_INTEROP, "1");
        configured = true;
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    /** The device to train on: the first GPU when DJL sees one (and {@code merlab.device} allows), else the CPU. */
    public static Device device() {
        configure();
        String wanted = System.getProperty(DEVICE_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        int gpus = wanted.equals("cpu") ? 0 : Engine.getInstance().getGpuCount();
        if (wanted.equals("gpu") && gpus == 0) {
            throw new IllegalStateException("merlab.device=gpu but DJL sees no GPU (are the CUDA natives on the class path?)");
        }
        Device device = gpus > 0 ? Device.gpu() : Device.cpu();
        StackedAdam.prepare(device);
        return device;
    }

    /** libtorch's intra-op thread count as the engine reports it, or -1 when it cannot be read. */
    public static int threads() {
        configure();
        Engine.getInstance();
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils", true, Engine.getInstance().getClass().getClassLoader());
            Method m = jni.getMethod("getNumThreads");
            return (Integer) m.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /**
     * Sets libtorch's intra-op thread count from the calling thread: the OpenMP threads this thread's operations use, MKL's,
     * and the count that threads computing for the first time afterwards take. For {@link CpuStacks}, whose threads each
     * train a stack on one libtorch thread, and to give the calling thread its count back after.
     */
    static void setThreads(int n) {
        configure();
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils", true, Engine.getInstance().getClass().getClassLoader());
            jni.getMethod("setNumThreads", int.class).invoke(null, n);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot set libtorch's thread count: " + e, e);
        }
    }

    /**
     * The environment settings that change speed but not numbers, as this process got them ("unset": the library's
     * default): the launcher sets both (docs/benchmarks.md, "A malloc that keeps its memory" and "OpenMP workers
     * that spin"). Timings are comparable only where these match.
     */
    public static Map<String, String> speedSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : List.of("GOMP_SPINCOUNT", "GLIBC_TUNABLES")) m.put(k, System.getenv().getOrDefault(k, "unset"));
        return m;
    }

    /** One line for reports: {@code "cpu, 2 threads (PyTorch 2.5.1)"} or {@code "gpu(0), ..."}. */
    public static String describe(Device device) {
        String engine = Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion();
        if (device.isGpu()) return device + " (" + engine + ")";
        return "cpu, " + threads() + " threads (" + engine + ")";
    }
}
