package org.merlab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The BLAS side of {@code bench train}'s PyTorch reference. Debian's torch runs its products on whatever
 * {@code libblas.so.3} Debian's alternatives select: the reference implementation of {@code libblas3} (about
 * 6 GFLOP/s on the 2-core machine, 30 times slower than OpenBLAS) unless OpenBLAS is installed. OpenBLAS
 * 0.3.21 takes its AVX2 kernels on AMD Zen 4/5, as MKL does until its vendor check is lifted, so the reference
 * gets the AVX-512 ones exactly when merlab does.
 */
final class ReferenceBlas {
    /** The AVX-512 subsets OpenBLAS's SkylakeX kernels use. */
    private static final Set<String> SKYLAKE_X_FLAGS = Set.of("avx512f", "avx512bw", "avx512dq", "avx512vl");

    private ReferenceBlas() {}

    /**
     * Environment for the reference process: {@code OPENBLAS_NUM_THREADS} = its thread count (OpenBLAS's own pool
     * beside torch's OpenMP one oversubscribes the cores) unless {@code env} sets it, and {@code OPENBLAS_CORETYPE}:
     * {@code core} when given, else {@code SkylakeX} where merlab's MKL runs its AVX-512 kernels and the CPU has them
     * (over the machine's own setting: the images here set {@code Haswell}), else as {@code env} has it.
     */
    static Map<String, String> settings(boolean mklVendorCheckLifted, Set<String> cpuFlags, int threads, String core,
                                        Map<String, String> env) {
        Map<String, String> m = new LinkedHashMap<>();
        if (!env.containsKey("OPENBLAS_NUM_THREADS")) m.put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        if (core != null) {
            m.put("OPENBLAS_CORETYPE", core);
        } else if (mklVendorCheckLifted && cpuFlags.containsAll(SKYLAKE_X_FLAGS)) {
            m.put("OPENBLAS_CORETYPE", "SkylakeX");
        }
        return m;
    }

    /** Whether the library the reference reported is Debian's reference BLAS ({@code .../blas/libblas.so.3...}). */
    static boolean isReferenceImplementation(String library) {
        return library.contains("/blas/libblas.so");
    }

    /** The CPU's feature flags from /proc/cpuinfo (empty where it cannot be read). */
    static Set<String> cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) return new HashSet<>(Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+")));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Set.of();
    }
}
