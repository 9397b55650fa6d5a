package org.merlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What {@code bench train} hands the PyTorch reference's OpenBLAS, and how it tells an unoptimised BLAS. */
class ReferenceBlasTest {
    private static final Set<String> ZEN5 = Set.of("avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16");
    private static final Set<String> ZEN3 = Set.of("avx2", "fma");
    private static final Map<String, String> IMAGE = Map.of("OPENBLAS_CORETYPE", "Haswell");

    @Test
    void avx512KernelsOnBothSidesOrNeither() {
        assertEquals(Map.of("OPENBLAS_NUM_THREADS", "1", "OPENBLAS_CORETYPE", "SkylakeX"),
                ReferenceBlas.settings(true, ZEN5, 1, null, IMAGE), "MKL lifted on an AVX-512 CPU: over the image's Haswell");
        assertEquals(Map.of("OPENBLAS_NUM_THREADS", "1"), ReferenceBlas.settings(false, ZEN5, 1, null, IMAGE),
                "MKL as shipped: OpenBLAS as the environment has it");
        assertEquals(Map.of("OPENBLAS_NUM_THREADS", "2"), ReferenceBlas.settings(true, ZEN3, 2, null, Map.of()),
                "no AVX-512 on the CPU: nothing to match");
    }

    @Test
    void theUsersChoicesWin() {
        assertEquals(Map.of("OPENBLAS_NUM_THREADS", "1", "OPENBLAS_CORETYPE", "Haswell"),
                ReferenceBlas.settings(true, ZEN5, 1, "Haswell", Map.of()));
        assertEquals(Map.of("OPENBLAS_CORETYPE", "SkylakeX"),
                ReferenceBlas.settings(true, ZEN5, 1, null, Map.of("OPENBLAS_NUM_THREADS", "4")), "their thread count stays");
    }

    @Test
    void debiansReferenceBlasIsRecognised() {
        assertTrue(ReferenceBlas.isReferenceImplementation("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"));
        assertFalse(ReferenceBlas.isReferenceImplementation("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so"));
        assertFalse(ReferenceBlas.isReferenceImplementation("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"));
    }
}
