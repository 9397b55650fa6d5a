package org.merlab.kernel.magic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class CellParserTest {
    @Test
    void splitsCodeAndLineMagicsInOrderKeepingLineNumbers() {
        List<CellParser.Part> parts = CellParser.parse("int a = 1;\n%jars lib/*.jar \"with space.jar\"\n\nint b = a;\n");
        assertEquals(3, parts.size());
        assertEquals("int a = 1;", parts.get(0).code());
        assertEquals(1, parts.get(0).firstLine());
        assertTrue(parts.get(1).isMagic());
        assertEquals("jars", parts.get(1).magic());
        assertEquals(List.of("lib/*.jar", "with space.jar"), parts.get(1).args());
        assertEquals(2, parts.get(1).firstLine());
        assertEquals(3, parts.get(2).firstLine());
        assertEquals("\nint b = a;\n", parts.get(2).code());
    }

    @Test
    void cellMagicTakesTheWholeCell() {
        List<CellParser.Part> parts = CellParser.parse("%%time -v\nint x = 1;\nx");
        assertEquals(1, parts.size());
        assertTrue(parts.get(0).isCellMagic());
        assertEquals("time", parts.get(0).magic());
        assertEquals(List.of("-v"), parts.get(0).args());
        assertEquals("int x = 1;\nx", parts.get(0).body());
    }

    @Test
    void modulusIsNotAMagic() {
        List<CellParser.Part> parts = CellParser.parse("int r = 7\n  % 3;");
        assertEquals(1, parts.size());
        assertFalse(parts.get(0).isMagic());
    }
}
