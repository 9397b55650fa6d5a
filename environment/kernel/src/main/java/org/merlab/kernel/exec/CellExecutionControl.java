package org.merlab.kernel.exec;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.SPIResolutionException;

/**
 * Runs JShell snippets in this JVM on a worker thread whose context class loader is the JShell class
 * loader (DJL finds its engine and natives through the TCCL), keeps the live result object of each
 * snippet (so the kernel renders real objects, not strings) and supports interrupts.
 *
 * <p>Interrupts are first cooperative ({@link Thread#interrupt()}: sleeps, waits and loops that check
 * {@link Thread#interrupted()} stop). Code that ignores them is stopped after a grace period
 * (system property {@code merlab.interrupt.graceMs}, default 500 ms) with {@code Thread.stop()}, the way
 * JShell's own remote agent stops code. The cell returns only when its thread has ended, so the next
 * cell never runs beside a dying one.
 */
public final class CellExecutionControl extends DirectExecutionControl {
    /** Pseudo class name of the {@code UserException} thrown when a cell was interrupted. */
    public static final String INTERRUPTED = "Cell interrupted";

    private static final AtomicLong THREADS = new AtomicLong();
    private static final Object NULL = new Object();

    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "merlab-cell-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Object> results = new ConcurrentHashMap<>();
    private final AtomicLong keys = new AtomicLong();
    private volatile RunningSnippet current;
    private volatile Throwable lastThrown;

    /** The live value that {@link #invoke} stored under {@code key} (the value JShell reports). */
    public Object takeResult(String key) {
        Object value = key == null ? null : results.remove(key);
        return value == NULL ? null : value;
    }

    /** The exception the last failing snippet threw (JShell itself keeps only its class name and frames). */
    public Throwable takeLastThrown() {
        Throwable t = lastThrown;
        lastThrown = null;
        return t;
    }

    @Override
    protected String invoke(Method doit) throws Exception {
        RunningSnippet snippet = new RunningSnippet(doit);
        snippet.future = executor.submit(snippet);
        current = snippet;
        try {
            Object value = snippet.future.get();
            String key = "merlab-result-" + keys.incrementAndGet();
            results.put(key, value == null ? NULL : value);
            return key;
        } catch (CancellationException e) {
            snippet.awaitEnd();
            throw new UserException("The cell was interrupted.", INTERRUPTED, new StackTraceElement[0]);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof InvocationTargetException && e.getCause().getCause() != null
                    ? e.getCause().getCause() : e.getCause();
            if (cause instanceof SPIResolutionException)
                throw new ResolutionException(((SPIResolutionException) cause).id(), cause.getStackTrace());
            lastThrown = cause;
            throw new UserException(String.valueOf(cause.getMessage()), cause.getClass().getName(),
                    cause.getStackTrace());
        } finally {
            current = null;
        }
    }

    /** Interrupts the running cell (if any); the cell's {@link #invoke} waits for its thread to end. */
    public void interrupt() {
        RunningSnippet snippet = current;
        if (snippet != null && snippet.future != null) snippet.future.cancel(true);
    }

    @Override
    public void stop() {
        interrupt();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        super.close();
    }

    private static final class RunningSnippet implements Callable<Object> {
        private final Method doit;
        private final CountDownLatch ended = new CountDownLatch(1);
        private volatile Thread thread;
        volatile Future<Object> future;

        RunningSnippet(Method doit) {
            this.doit = doit;
        }

        @Override
        public Object call() throws Exception {
            thread = Thread.currentThread();
            thread.setContextClassLoader(doit.getDeclaringClass().getClassLoader());
            try {
                return doit.invoke(null);
            } finally {
                thread = null;
                Thread.interrupted(); // do not leave an interrupt on the pooled thread
                ended.countDown();
            }
        }

        @SuppressWarnings({"deprecation", "removal"})
        void awaitEnd() {
            long grace = Long.getLong("merlab.interrupt.graceMs", 500);
            try {
                if (ended.await(grace, TimeUnit.MILLISECONDS)) return;
                Thread t = thread;
                if (t != null) t.stop(); // the code ignored the interrupt (JShell's agent does the same)
                ended.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (UnsupportedOperationException e) {
                // Thread.stop() is gone (Java 20+): the thread keeps running in the background
            }
        }
    }
}
