package org.merlab.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Java's {@code System.err} on the stderr the launcher was given, when the launcher hands it over.
 *
 * <p>Why: {@code ./merlab} starts the JVM with {@code --add-modules jdk.incubator.vector} (the Adam update's vector
 * lanes), and the JVM announces that module with a line on stderr before any Java code runs. So the launcher sends
 * the process's descriptor 2 through a filter that drops that one line, and hands the original stderr over as another
 * descriptor, named by {@code MERLAB_STDERR_FD}. Java's own messages (the one-line errors, progress, logging, stack
 * traces) are written to that descriptor itself, the same open file as the shell's stderr (a log file opened by
 * {@code 2> log} keeps one offset), so they stay in order with stdout and the shell's prompt; what native code writes
 * to descriptor 2 (libtorch's warnings, the JVM's) still arrives, through the filter.
 *
 * <p>Java has no public way to wrap a descriptor number, so this sets {@code FileDescriptor}'s field, which the
 * launcher opens to it ({@code --add-opens java.base/java.io=ALL-UNNAMED}); where that fails, nothing changes.
 */
final class LauncherStderr {
    static final String FD_VARIABLE = "MERLAB_STDERR_FD";
    /** What the launcher's stderr was ({@code readlink /proc/$$/fd/2}): descriptor 3 is used only if it is still that. */
    static final String TARGET_VARIABLE = "MERLAB_STDERR_TARGET";

    private LauncherStderr() {}

    /**
     * Points {@code System.err} at the launcher's stderr; without the variables, or where it cannot, nothing changes.
     * The descriptor must still be the file the launcher named: a process this one starts inherits the variables but
     * not the descriptor, and there the number may be another open file. Returns whether it did.
     */
    static boolean adopt(Map<String, String> environment) {
        String number = environment.get(FD_VARIABLE);
        String target = environment.get(TARGET_VARIABLE);
        if (number == null || target == null || !number.matches("[0-9]{1,4}")) return false;
        try {
            if (!Files.readSymbolicLink(Path.of("/proc/self/fd", number)).toString().equals(target)) return false;
            FileDescriptor fd = new FileDescriptor();
            Field field = FileDescriptor.class.getDeclaredField("fd");
            field.setAccessible(true);
            field.setInt(fd, Integer.parseInt(number));
            System.setErr(new PrintStream(new FileOutputStream(fd), true, Charset.defaultCharset()));
            return true;
        } catch (IOException | ReflectiveOperationException | RuntimeException e) {
            // not opened to us (another launcher) or another JDK: Java's messages go through descriptor 2 and the filter
            return false;
        }
    }
}
