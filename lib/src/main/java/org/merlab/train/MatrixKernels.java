package org.merlab.train;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Which matrix-product kernels this process runs, for the provenance of results and benchmarks.
 *
 * <p>On the CPU libtorch's products are oneMKL's. MKL takes its AVX2 path on CPUs it does not know as
 * Intel's, even where they have AVX-512 (AMD Zen 4 and 5), unless the launcher preloads
 * {@code environment/mkl/target/libmkl-vendor-check.so}, which lifts that vendor check (see
 * {@code environment/mkl/mkl-vendor-check.c}). The two paths sum in different orders, so their numbers
 * differ in the last bits, and a result names the path it ran on. The check reads the process's own
 * memory map: it tells what is loaded, not what was asked for.
 */
public final class MatrixKernels {
    /** The file name of the library that lifts MKL's vendor check. */
    public static final String VENDOR_CHECK_LIBRARY = "libmkl-vendor-check.so";

    private MatrixKernels() {}

    /** Whether MKL's vendor check is lifted in this process (the library is mapped). False where /proc is missing. */
    public static boolean vendorCheckLifted() {
        return Lifted.VALUE;
    }

    /** Read once: a preloaded library is mapped before the JVM starts and stays for its life. */
    private static final class Lifted {
        static final boolean VALUE = readMaps();
    }

    private static boolean readMaps() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) return false;
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.anyMatch(l -> l.endsWith("/" + VENDOR_CHECK_LIBRARY));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** One line for run.json and the benchmarks: {@code "MKL, vendor check lifted"}, {@code "MKL as shipped"} or {@code "cuBLAS"}. */
    public static String describe(Device device) {
        if (device.isGpu()) return "cuBLAS";
        return vendorCheckLifted() ? "MKL, vendor check lifted (kernels chosen by CPU features)" : "MKL as shipped";
    }
}
