package org.merlab.util;

import java.io.PrintStream;

/**
 * A one-line terminal progress bar on stderr ({@code label [#####-----] 42% 1234/2937 12.3/s}).
 * Draws only when stderr is a terminal and not quiet, so logs and CI output stay clean; redraws at
 * most ten times a second. Thread-safe.
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 30;
    private final String label;
    private final long total;
    private final String unit;
    private final boolean enabled;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long current;

    public ProgressBar(String label, long total, String unit, boolean quiet) {
        this.label = label;
        this.total = Math.max(1, total);
        this.unit = unit;
        this.enabled = !quiet && System.console() != null && !"dumb".equals(System.getenv("TERM"));
        this.out = System.err;
    }

    public synchronized void update(long done) {
        current = done;
        long now = System.nanoTime();
        if (!enabled || (now - lastDraw < 100_000_000L && done < total)) return;
        lastDraw = now;
        draw(now);
    }

    public void step() {
        synchronized (this) {
            update(current + 1);
        }
    }

    private void draw(long now) {
        double frac = Math.min(1.0, (double) current / total);
        int filled = (int) Math.round(frac * WIDTH);
        double secs = Math.max(1e-9, (now - start) / 1e9);
        out.printf("\r%s [%s%s] %3d%% %d/%d %.1f %s/s ", label, "#".repeat(filled), "-".repeat(WIDTH - filled),
                (int) (frac * 100), current, total, current / secs, unit);
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (enabled) {
            draw(System.nanoTime());
            out.println();
        }
    }
}
