package org.merlab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceTest {

    @Test
    void theBundledNativesNameTheVersionUnlessALibtorchFolderOverridesThem(@TempDir Path dir) throws Exception {
        String bundled = Provenance.pytorchVersion(Map.of());
        assertTrue(bundled.startsWith("2.5.1"), bundled); // the natives the pom pins
        // a folder without libtorch: DJL ignores it, and so does the record
        assertEquals(bundled, Provenance.pytorchVersion(Map.of("PYTORCH_LIBRARY_PATH", dir.toString(), "PYTORCH_VERSION", "2.11.0")));
        Files.createFile(dir.resolve(System.mapLibraryName("torch")));
        assertEquals("2.11.0 (" + dir + ")",
                Provenance.pytorchVersion(Map.of("PYTORCH_LIBRARY_PATH", "/nonexistent:" + dir, "PYTORCH_VERSION", "2.11.0")));
        assertEquals("unknown (" + dir + ")", Provenance.pytorchVersion(Map.of("PYTORCH_LIBRARY_PATH", dir.toString())));
        // an entry naming the library itself, as DJL also takes it
        assertEquals("2.11.0 (" + dir + ")", Provenance.pytorchVersion(
                Map.of("PYTORCH_LIBRARY_PATH", dir.resolve(System.mapLibraryName("torch")).toString(), "PYTORCH_VERSION", "2.11.0")));
    }
}
