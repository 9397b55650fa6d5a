package org.merlab.kernel.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jdk.jshell.EvalException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The in-process JShell without Jupyter: values, errors that point at the code, interrupts. */
class CellEvaluatorTest {
    private static CellEvaluator shell;

    @BeforeAll
    static void start() {
        shell = new CellEvaluator(List.of());
    }

    @AfterAll
    static void stop() {
        shell.close();
    }

    private static String plain(String s) {
        return s.replaceAll("\u001b\\[[0-9;]*m", "");
    }

    @Test
    void returnsTheLiveValueOfTheLastExpression() throws Exception {
        Object v = shell.eval("int a = 20;\n\njava.util.List.of(a, a + 1)", 1, 1);
        assertEquals(List.of(20, 21), v);
        assertSame(CellEvaluator.NO_VALUE, shell.eval("int b = 3;", 2, 1));
    }

    @Test
    void cellThreadHasTheShellLoaderAsContextClassLoader() throws Exception {
        shell.eval("class Probe { }", 3, 1);
        Object same = shell.eval("Thread.currentThread().getContextClassLoader() == Probe.class.getClassLoader()", 4, 1);
        assertEquals(true, same);
    }

    @Test
    void compileErrorsQuoteTheCellLineAndMarkTheSpan() {
        CompileError e = assertThrows(CompileError.class, () -> shell.eval("int ok = 1;\n\nString s = ok;", 5, 1));
        String all = plain(String.join("\n", e.lines()));
        assertTrue(all.contains("incompatible types"), all);
        assertTrue(all.contains("3 | String s = ok;"), all);
        assertTrue(all.contains("|            ^~"), all);
    }

    @Test
    void runtimeErrorsMapFramesToCellLines() throws Exception {
        shell.eval("// helper\nvoid boom(int n) {\n  if (n == 0) throw new IllegalArgumentException(\"no\");\n  boom(n - 1);\n}", 6, 1);
        assertThrows(EvalException.class, () -> shell.eval("int x = 0;\nboom(1);", 7, 1));
        Throwable real = shell.takeLastThrown();
        assertTrue(real instanceof IllegalArgumentException);
        List<String> lines = new RuntimeErrorFormatter(shell.sourceMap()).format(real);
        String all = plain(String.join("\n", lines));
        assertTrue(all.contains("boom (cell [6], line 3)"), all);
        assertTrue(all.contains("boom (cell [6], line 4)"), all);
        assertTrue(all.contains("<cell> (cell [7], line 2)"), all);
    }

    @Test
    void interruptStopsABusyLoopAndTheShellStillWorks() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            timer.schedule(shell::interrupt, 300, TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            EvalException e = assertThrows(EvalException.class, () -> shell.eval("long n = 0;\nwhile (true) { n++; }", 8, 1));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(CellExecutionControl.INTERRUPTED, e.getExceptionClassName());
            assertTrue(seconds < 0.3 + 1.0, "stopped within a second of the interrupt: " + seconds);
            assertEquals(2, shell.eval("1 + 1", 9, 1));
        } finally {
            timer.shutdownNow();
        }
    }
}
