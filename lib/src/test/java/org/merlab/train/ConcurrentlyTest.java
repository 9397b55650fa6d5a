package org.merlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Concurrently}: tasks that outlive a caller stopped while it waited for them. */
class ConcurrentlyTest {

    /**
     * A notebook's Stop interrupts the cell's thread and, after the kernel's grace period, stops it ({@code
     * Thread.stop}) while it waits for its stack threads. A stack thread finishing a checkpoint save (which an interrupt
     * does not cut short) then outlives the call; the next training waits for it instead of starting beside it.
     */
    @Test
    @SuppressWarnings({"deprecation", "removal"})
    void theNextTrainingWaitsForTheThreadsOfAStoppedCall() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean ended = new AtomicBoolean();
        Thread cell = new Thread(() -> Concurrently.run(List.of(1), 1, "test-stack", i -> {
            started.countDown();
            sleepIgnoringInterrupts(1_000); // the save
            ended.set(true);
        }), "test-cell");
        cell.setUncaughtExceptionHandler((t, e) -> { }); // the ThreadDeath below
        cell.start();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        cell.interrupt();
        Thread.sleep(100); // the cell now waits for its stack thread
        cell.stop();
        cell.join(10_000);
        assertFalse(cell.isAlive(), "the cell's thread was stopped");
        assertFalse(ended.get(), "the stack thread outlived its stopped caller");
        Concurrently.awaitEarlierThreads();
        assertTrue(ended.get(), "the next training found it ended");
    }

    /**
     * Ctrl-C or SIGTERM interrupts the caller while its stack threads train. They stop at the end of their batch, and
     * the caller, which then closes the feature arrays they read, must return only after that: it used to return at
     * once (its interrupt cut its wait short) and libtorch crashed on the freed arrays.
     */
    @Test
    void anInterruptedCallReturnsOnlyOnceItsThreadsHaveEnded() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger ended = new AtomicInteger();
        AtomicInteger endedAtReturn = new AtomicInteger(-1);
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread caller = new Thread(() -> {
            try {
                Concurrently.run(List.of(1, 2), 2, "test-stack", i -> {
                    started.countDown();
                    sleepIgnoringInterrupts(500); // the batch in flight
                    ended.incrementAndGet();
                });
            } catch (TrainingInterruptedException e) {
                endedAtReturn.set(ended.get());
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        }, "test-caller");
        caller.start();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        caller.interrupt();
        caller.join(10_000);
        assertEquals(2, endedAtReturn.get(), "both stack threads had ended when the call returned");
        assertTrue(stillInterrupted.get(), "the caller's interrupt is kept");
    }

    private static void sleepIgnoringInterrupts(long millis) {
        long until = System.nanoTime() + millis * 1_000_000;
        for (long left; (left = until - System.nanoTime()) > 0; ) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000));
            } catch (InterruptedException ignored) {
                // a save goes on
            }
        }
    }
}
