package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The kernels a result records are those this process loaded, whichever way the tests were started. */
class MatrixKernelsTest {
    @Test
    void recordsWhetherTheVendorCheckLibraryIsPreloaded() {
        String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
        boolean preloaded = Arrays.stream(preload.split("[: ]"))
                .anyMatch(p -> p.endsWith("/" + MatrixKernels.VENDOR_CHECK_LIBRARY) && Files.isRegularFile(Path.of(p)));
        assertEquals(preloaded, MatrixKernels.vendorCheckLifted(), "LD_PRELOAD=" + preload);
        assertEquals(preloaded ? "MKL, vendor check lifted (kernels chosen by CPU features)" : "MKL as shipped",
                MatrixKernels.describe(Device.cpu()));
        assertEquals("cuBLAS", MatrixKernels.describe(Device.gpu()));
    }
}
