package org.merlab.data;

import java.nio.file.Path;

/**
 * Bad input data. The message's first line names the file, what is wrong and how to fix it, so the
 * launcher can print it alone, without a stack trace.
 */
public class DataException extends RuntimeException {
    private final transient Path file;

    public DataException(Path file, String problem, String fix) {
        this(file, problem, fix, null);
    }

    public DataException(Path file, String problem, String fix, Throwable cause) {
        super(file + ": " + problem + (fix == null || fix.isEmpty() ? "" : " — " + fix), cause);
        this.file = file;
    }

    /** The file at fault (may be a directory). */
    public Path file() {
        return file;
    }
}
