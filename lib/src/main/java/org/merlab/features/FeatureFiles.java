package org.merlab.features;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.merlab.data.Npy;

/**
 * Output files of {@code extract}: every {@code .npy} is written to a temporary name and renamed into
 * place, so an interrupted run never leaves a partial file that a resumed run would take as done.
 */
public final class FeatureFiles {
    private FeatureFiles() {}

    /** Writes a float32 {@code .npy} atomically. */
    public static void writeNpy(Path file, float[] data, int... shape) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = tmpFor(file);
            Npy.write(tmp, data, shape);
            moveIntoPlace(tmp, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Copies a finished file to another output name, atomically. */
    public static void copy(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Path tmp = tmpFor(to);
            Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
            moveIntoPlace(tmp, to);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + to + ": " + e.getMessage(), e);
        }
    }

    static Path tmpFor(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".part");
    }

    static void moveIntoPlace(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Streams a (rows, cols) float32 {@code .npy} whose row count is known up front: rows are
     * appended as they come (so a long clip's frame-level features never sit in memory whole), and
     * {@link #commit} renames the file into place once all rows arrived.
     */
    public static final class NpyRowWriter implements AutoCloseable {
        private final Path file;
        private final Path tmp;
        private final OutputStream out;
        private final int rows;
        private final int cols;
        private long written;
        private boolean committed;

        public NpyRowWriter(Path file, int rows, int cols) {
            this.file = file;
            this.tmp = tmpFor(file);
            this.rows = rows;
            this.cols = cols;
            try {
                Files.createDirectories(file.getParent());
                this.out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE), 1 << 16);
                Npy.write(out, new float[0], rows, cols); // the header alone: rows follow
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }

        /** Appends {@code rowCount} rows from {@code data} (row-major). */
        public void append(float[] data, int rowCount) {
            if (data.length != rowCount * cols) throw new IllegalArgumentException(data.length + " values for " + rowCount + " rows of " + cols);
            ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(data);
            try {
                out.write(b.array());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            written += rowCount;
        }

        /** Closes the file and moves it into place; fails if the row count differs from the header's. */
        public void commit() {
            try {
                out.close();
                if (written != rows) throw new IllegalStateException(file + ": " + written + " rows written, header says " + rows);
                moveIntoPlace(tmp, file);
                committed = true;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }

        public Path file() {
            return file;
        }

        /** Without {@link #commit}: deletes the partial file. */
        @Override
        public void close() {
            if (committed) return;
            try {
                out.close();
            } catch (IOException ignored) {
                // the partial file goes anyway
            }
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /** The run's log: warnings and errors, one line each, appended to {@code features/extract-*.log}. */
    public static final class RunLog implements AutoCloseable {
        private final Path file;
        private final PrintWriter out;
        private int warnings;
        private int errors;

        public RunLog(Path file) {
            this.file = file;
            try {
                Files.createDirectories(file.getParent());
                this.out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND), true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the log " + file + ": " + e.getMessage(), e);
            }
        }

        public synchronized void info(String msg) {
            out.println(stamp() + " INFO  " + msg);
        }

        public synchronized void warn(String clip, String msg) {
            warnings++;
            out.println(stamp() + " WARN  " + clip + ": " + msg);
        }

        public synchronized void error(String clip, String msg) {
            errors++;
            out.println(stamp() + " ERROR " + clip + ": " + msg);
        }

        public synchronized int warnings() {
            return warnings;
        }

        public synchronized int errors() {
            return errors;
        }

        public Path file() {
            return file;
        }

        private static String stamp() {
            return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        }

        @Override
        public synchronized void close() {
            out.close();
        }
    }
}
