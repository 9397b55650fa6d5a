package org.merlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NpyTest {
    private static final float[] F4 = Npy.read(Fixtures.data("npy/f4.npy")).data();

    @Test
    void readsFloat32AsNumPyWroteIt() {
        NpyArray a = Npy.read(Fixtures.data("npy/f4.npy"));
        assertArrayEquals(new int[] {16}, a.shape());
        assertEquals(16, a.data().length);
        assertTrue(Math.abs(a.data()[0]) > 0, "data, not zeros");
    }

    @Test
    void readsFloat64AndFloat16AndVersion2Headers() {
        assertArrayEquals(F4, Npy.read(Fixtures.data("npy/f8.npy")).data(), 0f);
        assertArrayEquals(F4, Npy.read(Fixtures.data("npy/v2.npy")).data(), 0f);
        float[] half = Npy.read(Fixtures.data("npy/f2.npy")).data();
        for (int i = 0; i < F4.length; i++) assertEquals(F4[i], half[i], Math.abs(F4[i]) * 1e-3 + 1e-4, "f2 element " + i);
    }

    @Test
    void readsFrameLevelArraysWithTheirShape() {
        NpyArray a = Npy.read(Fixtures.data("npy/frames.npy"));
        assertArrayEquals(new int[] {5, 16}, a.shape());
        assertEquals(16, a.featureDim());
    }

    @Test
    void writesWhatItReadsAndWhatNumPyWrites() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, F4, 16);
        byte[] ours = out.toByteArray();
        byte[] numpys = java.nio.file.Files.readAllBytes(Fixtures.data("npy/f4.npy"));
        assertArrayEquals(numpys, ours, "same bytes as np.save");
        assertArrayEquals(F4, Npy.parse(Path.of("mem"), ByteBuffer.wrap(ours)).data(), 0f);
    }

    @Test
    void writesMultiDimensionalShapes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.npy");
        Npy.write(f, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        NpyArray a = Npy.read(f);
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.data(), 0f);
    }

    @ParameterizedTest
    @CsvSource({
        "npy/big_endian.npy, big-endian array",
        "npy/fortran.npy, Fortran-order array",
        "npy/truncated.npy, truncated .npy",
        "npy/int.npy, unsupported dtype '<i4'",
        "npy/not_npy.npy, corrupt or not a .npy file",
    })
    void badFilesFailWithTheFileTheProblemAndTheFix(String fixture, String problem) {
        Path file = Fixtures.data(fixture);
        DataException e = assertThrows(DataException.class, () -> Npy.read(file));
        String first = e.getMessage().lines().findFirst().orElseThrow();
        assertTrue(first.startsWith(file.toString() + ": "), first);
        assertTrue(first.contains(problem), first);
        assertTrue(first.contains(" — "), "names a fix: " + first);
        assertEquals(file, e.file());
    }

    @Test
    void missingFileIsADataException() {
        DataException e = assertThrows(DataException.class, () -> Npy.read(Path.of("/nonexistent/x.npy")));
        assertTrue(e.getMessage().contains("file not found"));
    }

    @Test
    void halfPrecisionSpecialValues() {
        assertEquals(1.0f, Npy.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, Npy.halfToFloat((short) 0xc000));
        assertEquals(Float.POSITIVE_INFINITY, Npy.halfToFloat((short) 0x7c00));
        assertTrue(Float.isNaN(Npy.halfToFloat((short) 0x7e00)));
        assertEquals(5.9604645e-8f, Npy.halfToFloat((short) 0x0001)); // smallest subnormal
    }
}
