package org.merlab.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs tasks on fresh threads of their own and waits for all: the first failure (or an interrupt of the caller)
 * cancels the rest and is rethrown. The threads end with the call, so no per-thread state they set (libtorch's thread
 * count, autograd's mode) outlives it. Used for configs trained at once ({@link ExperimentRunner#runAll}) and for a
 * config's stacks trained at once on the CPU ({@link CpuStacks}). Each thread trains its own stacks; what libtorch
 * shares across threads (the seeded generator) is locked ({@link GlobalGenerator}), and autograd is per thread
 * ({@link Autograd}), so every model's numbers are those of one stack at a time.
 */
final class Concurrently {
    /**
     * Pools whose threads had not ended when their call returned. That happens when the caller's thread is stopped
     * while it waits for them: a notebook's Stop, after the kernel's grace period, stops the cell's thread
     * ({@code Thread.stop}), while a stack thread may still be finishing a checkpoint save, which an interrupt does not
     * cut short. {@link #awaitEarlierThreads} lets the next training wait for them.
     */
    private static final Set<ExecutorService> UNFINISHED = ConcurrentHashMap.newKeySet();

    private Concurrently() {}

    /**
     * Stops the threads an earlier call left running and waits for them (up to a minute each), so that a new training
     * never runs beside a dying one that may still write into the same results folder or checkpoint. Stopping them
     * again is for a caller stopped before it could (they then train on unasked).
     */
    static void awaitEarlierThreads() throws InterruptedException {
        for (ExecutorService pool : UNFINISHED) {
            pool.shutdownNow();
            if (ended(pool, System.nanoTime() + TimeUnit.MINUTES.toNanos(1))) UNFINISHED.remove(pool);
        }
    }

    /** Runs {@code task} on every item, at most {@code threads} at a time, on threads named {@code name}. */
    static <T> void run(List<T> items, int threads, String name, Consumer<T> task) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        UNFINISHED.add(pool); // until its threads are seen to end
        CompletionService<Void> done = new ExecutorCompletionService<>(pool);
        List<Future<Void>> futures = new ArrayList<>();
        try {
            for (T item : items) futures.add(done.submit(() -> task.accept(item), null));
            for (int i = 0; i < futures.size(); i++) {
                try {
                    done.take().get(); // in the order they finish: a failure stops the others at once
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException re) throw re;
                    if (c instanceof Error err) throw err;
                    throw new IllegalStateException(c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TrainingInterruptedException("training interrupted; finished folds are kept");
                }
            }
        } finally {
            for (Future<Void> f : futures) f.cancel(true);
            pool.shutdownNow();
            if (awaitEnd(pool)) UNFINISHED.remove(pool);
        }
    }

    /**
     * Waits up to a minute for the pool's threads to end, also when the caller was interrupted (its flag is kept for
     * after). A stopped trainer ends its batch and frees its arrays; returning before that lets the caller close what
     * the batch still uses (the shared feature arrays), which crashed libtorch when a run was stopped by SIGTERM.
     * It polls rather than calling {@code awaitTermination}: a notebook's Stop may stop ({@code Thread.stop}) the
     * caller while it waits here, and a thread stopped inside {@code awaitTermination} leaves the pool's lock held,
     * so that the next training's {@link #awaitEarlierThreads} would wait for ever.
     */
    private static boolean awaitEnd(ExecutorService pool) {
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        try {
            while (true) {
                try {
                    return ended(pool, deadline);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Whether the pool's threads end before {@code deadline} ({@link System#nanoTime}); polled, without its lock. */
    private static boolean ended(ExecutorService pool, long deadline) throws InterruptedException {
        while (!pool.isTerminated()) {
            if (System.nanoTime() - deadline > 0) return false;
            Thread.sleep(5);
        }
        return true;
    }
}
