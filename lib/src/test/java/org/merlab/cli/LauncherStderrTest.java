package org.merlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LauncherStderr}: {@code System.err} moves to the descriptor the launcher names, and only while that
 * descriptor is still the file the launcher named.
 */
class LauncherStderrTest {
    @TempDir
    Path dir;

    /** The number of this process's descriptor open on {@code file}. */
    private static String descriptorOf(Path file) throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file)) return fd.getFileName().toString();
                } catch (java.io.IOException gone) {
                    // the listing's own descriptor, closed by now
                }
            }
        }
        throw new AssertionError("no descriptor open on " + file);
    }

    @Test
    void javasMessagesGoToTheNamedDescriptor() throws Exception {
        Path log = dir.resolve("stderr.log");
        PrintStream before = System.err;
        try (FileOutputStream open = new FileOutputStream(log.toFile())) {
            log = log.toRealPath(); // as /proc names it
            String fd = descriptorOf(log);
            assertTrue(LauncherStderr.adopt(Map.of(LauncherStderr.FD_VARIABLE, fd, LauncherStderr.TARGET_VARIABLE, log.toString())));
            System.err.println("merlab run: x.json: config not found");
            System.err.flush();
        } finally {
            System.setErr(before);
        }
        assertEquals("merlab run: x.json: config not found\n", Files.readString(log));
    }

    @Test
    void aDescriptorThatIsNoLongerTheLaunchersIsLeftAlone() throws Exception {
        Path log = dir.resolve("other.log");
        PrintStream before = System.err;
        try (FileOutputStream open = new FileOutputStream(log.toFile())) {
            String fd = descriptorOf(log.toRealPath());
            // an inherited variable naming a file this process does not have on that descriptor
            assertFalse(LauncherStderr.adopt(Map.of(LauncherStderr.FD_VARIABLE, fd, LauncherStderr.TARGET_VARIABLE, "/dev/pts/0")));
            assertFalse(LauncherStderr.adopt(Map.of(LauncherStderr.FD_VARIABLE, fd)), "no target: nothing to check against");
            assertFalse(LauncherStderr.adopt(Map.of()), "not started by the launcher");
            assertEquals(before, System.err);
        } finally {
            System.setErr(before);
        }
        assertEquals("", Files.readString(log));
    }
}
