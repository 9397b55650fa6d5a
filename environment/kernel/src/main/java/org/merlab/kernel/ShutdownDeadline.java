package org.merlab.kernel;

import java.time.Duration;
import java.util.logging.Logger;

/**
 * Bounds the time from an answered {@code shutdown_request} to the process's exit. Once, in a CI run, the
 * kernel had not exited 10 s after the request (cause unknown, not reproduced in 30 tries since, also under
 * load). The orderly way out (close the five sockets, terminate the ZeroMQ context, join the channel threads,
 * {@code System.exit}) can hang: terminating a context waits for every socket to be closed, and the base
 * library's heartbeat channel closes its socket from another thread than the one polling it, which ZeroMQ
 * does not allow. After the grace this daemon thread ends the process itself; the reply has long been sent
 * by then.
 */
final class ShutdownDeadline {
    static final Duration GRACE = Duration.ofSeconds(Long.getLong("merlab.kernel.shutdownGraceSeconds", 5));
    private static final Logger LOG = Logger.getLogger("merlab.kernel");

    private ShutdownDeadline() {}

    /** Starts the countdown: after {@code grace}, unless the process has exited, {@code exit} runs. */
    static Thread start(Duration grace, Runnable exit) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(grace.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            LOG.warning(String.format("shutdown did not finish within %.1f s; ending the process", grace.toMillis() / 1000.0));
            exit.run();
        }, "merlab-shutdown-deadline");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The countdown of a real shutdown: halts the JVM (skips hooks that may be what hangs) with status 0. */
    static void startForProcess() {
        start(GRACE, () -> Runtime.getRuntime().halt(0));
    }
}
