package org.merlab.kernel.exec;

import java.util.List;

/** A cell that does not compile; {@link #lines()} points at the offending code. */
public final class CompileError extends Exception {
    private final List<String> lines;

    public CompileError(String summary, List<String> lines) {
        super(summary, null, false, false); // no stack: the reply shows the message, not kernel frames
        this.lines = List.copyOf(lines);
    }

    /** The error as traceback lines: the diagnostic, the cell line and a marker under the span. */
    public List<String> lines() {
        return lines;
    }
}
