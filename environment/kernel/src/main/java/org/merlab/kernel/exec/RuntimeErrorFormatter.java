package org.merlab.kernel.exec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Formats an exception thrown by notebook code: the exception, then the frames of the user's own
 * code (cells, shown as "cell [n], line l"), then where in the libraries it was thrown; the kernel's and
 * the JDK's reflection frames below the cell are left out. Causes follow the same way.
 */
public final class RuntimeErrorFormatter {
    private static final int MAX_LIBRARY_FRAMES = 12;

    private final SourceMap sources;

    public RuntimeErrorFormatter(SourceMap sources) {
        this.sources = sources;
    }

    public List<String> format(Throwable t) {
        List<String> out = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        boolean first = true;
        while (t != null && seen.add(t)) {
            String header = t.getClass().getName() + (t.getMessage() != null ? ": " + t.getMessage() : "");
            out.add((first ? "" : "Caused by: ") + ErrorStyle.red(header));
            frames(t.getStackTrace(), out);
            t = t.getCause();
            first = false;
        }
        return out;
    }

    private void frames(StackTraceElement[] stack, List<String> out) {
        int firstUser = -1, lastUser = -1;
        for (int i = 0; i < stack.length; i++) {
            if (isUser(stack[i])) {
                if (firstUser < 0) firstUser = i;
                lastUser = i;
            }
        }
        if (firstUser >= 0) {
            out.add("  in your code:");
            for (int i = firstUser; i <= lastUser; i++) {
                if (isUser(stack[i])) out.add("    at " + ErrorStyle.cyan(user(stack[i])));
                else if (!isPlumbing(stack[i])) out.add(ErrorStyle.dim("    at " + stack[i]));
            }
        }
        int end = firstUser >= 0 ? firstUser : stack.length;
        if (end > 0) {
            out.add(firstUser >= 0 ? "  thrown in:" : "  at:");
            int shown = 0;
            for (int i = 0; i < end && shown < MAX_LIBRARY_FRAMES; i++, shown++) out.add("    at " + stack[i]);
            if (end > shown) out.add(ErrorStyle.dim("    ... " + (end - shown) + " more"));
        }
    }

    private static boolean isUser(StackTraceElement e) {
        return e.getClassName().startsWith("REPL.") || (e.getFileName() != null && e.getFileName().startsWith("#"));
    }

    private static boolean isPlumbing(StackTraceElement e) {
        String c = e.getClassName();
        return c.startsWith("jdk.internal.reflect.") || c.startsWith("java.lang.reflect.") || c.startsWith("org.merlab.kernel.");
    }

    private String user(StackTraceElement e) {
        String cls = e.getClassName().replaceFirst("^REPL\\.\\$JShell\\$\\d+[A-Z]?\\$?", "");
        String method = e.getMethodName();
        String name = method.equals("do_it$") || method.isEmpty() ? "<cell>" : (cls.isEmpty() ? "" : cls + ".") + method;
        String where = sources.describe(e);
        return name + " (" + (where != null ? where : e.getFileName() + ":" + e.getLineNumber()) + ")";
    }
}
