package org.merlab.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionService;
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
    private Concurrently() {}

    /** Runs {@code task} on every item, at most {@code threads} at a time, on threads named {@code name}. */
    static <T> void run(List<T> items, int threads, String name, Consumer<T> task) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
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
            try {
                pool.awaitTermination(1, TimeUnit.MINUTES); // stopped trainers free their arrays
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
